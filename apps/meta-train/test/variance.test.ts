import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';

const small = [
  '--horizon',
  '40',
  '--unroll',
  '1,10,40',
  '--particles',
  '4',
  '--repeats',
  '2',
  '--reference-particles',
  '20',
];

function textFile(content: string): string {
  const file = join(temporaryDirectory(), 'text.txt');
  writeFileSync(file, content);
  return file;
}

describe('pes experiment variance', () => {
  it('measures PES and noise-reuse ES on real, random and repeated text, with table and plot', async () => {
    const out = join(temporaryDirectory(), 'var');
    const text = textFile(
      'It is a truth universally acknowledged, that a single man in possession of a good fortune',
    );
    const { status } = await pes('experiment', 'variance', '--text', text, '--out', out, ...small);
    expect(status).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.results.map((r: { kind: string }) => r.kind)).toEqual([
      'real',
      'random',
      'repeated',
    ]);
    for (const r of results.results) {
      expect(
        r.points.map((p: { unrolls: number }) => p.unrolls).sort((a: number, b: number) => a - b),
      ).toEqual([1, 1, 4, 4, 40, 40]);
      for (const p of r.points) expect(p.meanError).toBeGreaterThan(0);
    }
    expect(readFileSync(join(out, 'variance.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it.each([
    ['an empty file', '', [], /the text is empty/],
    [
      'a text shorter than T',
      'short text',
      [],
      /the text has 10 characters; a sequence of T = 40 needs 41/,
    ],
    [
      'K that does not divide T',
      'x'.repeat(100),
      ['--unroll', '7'],
      /--unroll 7 does not divide the horizon T = 40/,
    ],
  ])('refuses %s: one line, exit 2', async (_name, content, extra, message) => {
    const out = join(temporaryDirectory(), 'var');
    const { status, err } = await pes(
      'experiment',
      'variance',
      '--text',
      textFile(content),
      '--out',
      out,
      ...small,
      ...extra,
    );
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(message)]);
  });
});

describe('pes variance', () => {
  it('measures any task with finite episodes', async () => {
    const out = join(temporaryDirectory(), 'var');
    const { status, out: lines } = await pes(
      'variance',
      '--task',
      'quadratic',
      '--unroll',
      '1,10,100',
      '--particles',
      '10',
      '--repeats',
      '3',
      '--reference-particles',
      '200',
      '--out',
      out,
    );
    expect(status).toBe(0);
    expect(lines.join('\n')).toMatch(/\| 10 \| 10 \| /);
    expect(existsSync(join(out, 'variance.svg'))).toBe(true);
  });

  it('refuses K that does not divide T and a task that never ends', async () => {
    const odd = await pes(
      'variance',
      '--task',
      'quadratic',
      '--unroll',
      '7',
      '--out',
      join(temporaryDirectory(), 'x'),
    );
    expect(odd.status).toBe(2);
    expect(odd.err[0]).toMatch(/--unroll 7 does not divide the horizon T = 100/);
    const endless = await pes(
      'variance',
      '--task',
      'influence-balancing',
      '--unroll',
      '1',
      '--out',
      join(temporaryDirectory(), 'y'),
    );
    expect(endless.status).toBe(2);
    expect(endless.err[0]).toMatch(/never ends/);
  });
});
