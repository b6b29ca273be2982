import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';

const tiny = [
  '--task',
  'mnist-lr-schedule',
  '--arch',
  '784-8-10',
  '--batch',
  '8',
  '--horizon',
  '30',
  '--particles',
  '2',
  '--unroll',
  '5',
];

describe('mnist-lr-schedule at the command line', () => {
  it('meta-trains the schedule and ends with a summary of the schedule and accuracy before and after', async () => {
    const out = join(temporaryDirectory(), 'run');
    const { status, out: lines } = await pes(
      'meta-train',
      ...tiny,
      '--objective',
      'val-accuracy',
      '--iterations',
      '3',
      '--out',
      out,
    );
    expect(status).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/^ {2}before {13}learning rate 0\.00300 at t = 0/m);
    expect(text).toMatch(/^ {2}after {14}learning rate /m);
    expect(text).toMatch(/^ {2}val accuracy {7}0\.\d+ → 0\.\d+$/m);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    for (const end of [result.initial, result.final]) {
      expect(end.valAccuracy).toBeGreaterThan(0);
      expect(end.valLoss).toBeGreaterThan(0);
    }
    expect(result.config).toMatchObject({
      schedule: 'inverse-time-decay',
      objective: 'val-accuracy',
      horizon: 30,
    });
  });

  it('random search spends the same inner-step budget in whole runs', async () => {
    const out = join(temporaryDirectory(), 'rs');
    const { status } = await pes(
      'meta-train',
      ...tiny,
      '--estimator',
      'random-search',
      '--iterations',
      '6',
      '--out',
      out,
    );
    expect(status).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.iterations).toBe(2); // 6 iterations × 2 particles × K = 5 = 60 inner steps = 2 runs of T = 30
    expect(result.final.evalLoss).toBeLessThanOrEqual(result.initial.evalLoss);
  });

  it.each([
    [
      ['--schedule', 'cosine'],
      /--schedule: .*expected one of "inverse-time-decay"\|"linear"\|"exponential"\|"piecewise" \(got "cosine"\)/,
    ],
    [
      ['--schedule', 'linear', '--initial-theta', '-5,-6,-7'],
      /schedule linear takes θ of length 2, got 3 numbers/,
    ],
    [['--initial-theta', '1,x'], /--initial-theta <list>' argument '1,x' is invalid/],
    [['--unroll', '50'], /--unroll 50 is longer than the horizon --horizon 30/],
    [['--data-dir', '/nonexistent/mnist'], /MNIST directory \/nonexistent\/mnist does not exist/],
  ])('%j: one line, exit 2, nothing written', async (args, message) => {
    const out = join(temporaryDirectory(), 'run');
    const { status, err } = await pes('meta-train', ...tiny, ...args, '--out', out);
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(message)]);
    expect(existsSync(out)).toBe(false);
  });

  it('random search needs a task with a search space', async () => {
    const { status, err } = await pes(
      'meta-train',
      '--task',
      'toy-regression',
      '--estimator',
      'random-search',
      '--out',
      join(temporaryDirectory(), 'x'),
    );
    expect(status).toBe(2);
    expect(err[0]).toMatch(/task toy-regression defines no search space for random search/);
  });
});

describe('pes experiment mnist-lr-schedule', () => {
  it('runs PES, truncated ES and random search for both objectives and draws the surfaces', async () => {
    const out = join(temporaryDirectory(), 'exp');
    const { status, out: lines } = await pes(
      'experiment',
      'mnist-lr-schedule',
      '--out',
      out,
      '--horizon',
      '100',
      '--iterations',
      '10',
      '--resolution',
      '2',
    );
    expect(status).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.grid).toHaveLength(4);
    expect(results.runs).toHaveLength(10);
    expect(lines.join('\n')).toMatch(/\| val-accuracy \| PES K=100 \|/);
    expect(readFileSync(join(out, 'mnist-lr-schedule.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 300_000);
});
