import { describeOptions } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { experimentRegistry } from '../src/index.js';
import { formatMeanAndStd, formatNumber, markdownTable } from '../src/methods.js';

describe('the experiment registry describes itself', () => {
  it('names each experiment once, with a description and an example that runs it', () => {
    const names = experimentRegistry.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of experimentRegistry) {
      expect(entry.description.length).toBeGreaterThan(20);
      expect(entry.example).toContain(`pes experiment ${entry.name}`);
    }
  });

  it('describes every option (the flags and --help come from these), and takes none given', () => {
    for (const entry of experimentRegistry) {
      for (const option of describeOptions(entry.options))
        expect(option.description, `${entry.name} --${option.flag}`).toBeTruthy();
      expect(entry.options.safeParse({}).success, entry.name).toBe(true);
      expect(entry.options.safeParse({ bogus: 1 }).success, entry.name).toBe(false);
    }
  });
});

describe("the experiments' tables", () => {
  it('formats numbers and a markdown table the way results.md shows them', () => {
    expect(formatNumber(0.000123456)).toBe('1.235e-4');
    expect(formatNumber(12.5)).toBe('12.500');
    expect(formatNumber(123456)).toBe('1.235e+5');
    expect(formatMeanAndStd({ mean: 1.5, std: 0.25 })).toBe('1.5000 ± 0.25000');
    expect(formatMeanAndStd({ mean: null, std: null })).toBe('n/a');
    expect(markdownTable(['a', 'b'], [[1, 'x']])).toBe('| a | b |\n| --- | --- |\n| 1 | x |\n');
  });
});
