import cliProgress from 'cli-progress';
import { describe, expect, it } from 'vitest';
import { formatEta, progressReporter } from '../src/progress.js';

describe('the ETA a person reads', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [59.4, '59s'],
    // Rounding carries into the next unit instead of showing 60 of the smaller one.
    [59.5, '1m00s'],
    [60, '1m00s'],
    [119.4, '1m59s'],
    [119.6, '2m00s'],
    [179.6, '3m00s'],
    [3599.4, '59m59s'],
    [3599.9, '1h00m'],
    [3629, '1h00m'],
    [3631, '1h01m'],
    [7199, '2h00m'],
    [36000 + 59 * 60 + 45, '11h00m'],
    [-3, '0s'],
    [Infinity, '–'],
    [Number.NaN, '–'],
    ['INF', '–'],
  ])('%s s reads %s', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });

  it('never shows 60 of a unit, over every tenth of a second up to three hours', () => {
    const wellFormed = /^(\d|[1-5]\d)s$|^[1-5]?\dm[0-5]\ds$|^\d+h[0-5]\dm$/;
    const bad: string[] = [];
    for (let tenths = 0; tenths <= 3 * 36000; tenths++) {
      const text = formatEta(tenths / 10);
      if (!wellFormed.test(text)) bad.push(`${tenths / 10} s → ${text}`);
    }
    expect(bad).toEqual([]);
  });

  it('replaces cli-progress’s own formatter, which reads 2m60s', () => {
    // The library's formatter, as the bar used it: the bug this guards against.
    expect(cliProgress.Format.TimeFormat(179, { autopaddingChar: '0' }, 5)).toBe('02m60s');
    const lines: string[] = [];
    let t = 0;
    const report = progressReporter({
      total: 100,
      startIteration: 0,
      write: (l) => lines.push(l),
      intervalMs: 0,
      now: () => t,
    });
    // One iteration in 1.8 s, 99 left: 178.2 s.
    t = 1800;
    report({
      iteration: 1,
      metaLoss: 1,
      innerSteps: 10,
      innerStepsThisIteration: 10,
      nonFiniteParticles: 0,
    } as never);
    expect(lines.at(-1)).toMatch(/ {2}eta 2m58s$/);
  });
});
