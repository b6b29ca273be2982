import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';

const PNG_SIGNATURE = '89504e470d0a1a0a';

function expectPlot(dir: string, name: string) {
  expect(readFileSync(join(dir, `${name}.svg`), 'utf8')).toMatch(/^<svg/);
  expect(
    readFileSync(join(dir, `${name}.png`))
      .subarray(0, 8)
      .toString('hex'),
  ).toBe(PNG_SIGNATURE);
}

describe('pes experiment', () => {
  it('influence-balancing runs every method of the figure and writes results, table and plot', async () => {
    const out = join(temporaryDirectory(), 'ib');
    const { status, out: lines } = await pes(
      'experiment',
      'influence-balancing',
      '--out',
      out,
      '--iterations',
      '300',
      '--eval-every',
      '50',
    );
    expect(status).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.optimum).toBeCloseTo(-1 / 6, 10);
    expect(results.runs.map((r: { label: string }) => r.label)).toEqual([
      'TBPTT K=1',
      'TBPTT K=10',
      'TBPTT K=100',
      'TES K=1',
      'PES K=1',
      'UORO K=1',
      'RTRL K=1',
    ]);
    for (const run of results.runs) expect(run.history.at(-1).iteration).toBe(300);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/\| PES K=1 \| /);
    expect(lines.join('\n')).toMatch(/\| RTRL K=1 \|/);
    expectPlot(out, 'influence-balancing');
  });

  it('toy-regression draws the surface and every path, and tabulates final losses', async () => {
    const out = join(temporaryDirectory(), 'toy');
    const { status } = await pes(
      'experiment',
      'toy-regression',
      '--out',
      out,
      '--iterations',
      '40',
      '--resolution',
      '8',
    );
    expect(status).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.surface.cells).toHaveLength(64);
    expect(results.runs.map((r: { estimator: string }) => r.estimator)).toEqual([
      'tbptt',
      'rtrl',
      'uoro',
      'es',
      'tes',
      'pes',
    ]);
    const es = results.runs.find((r: { estimator: string }) => r.estimator === 'es');
    expect(es.config).toMatchObject({ sigma: 1 }); // full-horizon ES: the paper's σ = 1
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/Lowest loss on the 8×8 grid/);
    expectPlot(out, 'toy-regression');
  });

  it.each([
    [
      ['experiment', 'nope', '--out', 'x'],
      /unknown experiment 'nope'; known experiments: influence-balancing, toy-regression/,
    ],
    [['experiment', 'toy-regression'], /--out DIR is required/],
    [
      ['experiment', 'toy-regression', '--out', 'x', '--resolution', '1'],
      /--resolution: Too small: expected number to be >=2 \(got 1\)/,
    ],
  ])('bad input %j: one line, exit 2', async (argv, message) => {
    const dir = temporaryDirectory();
    const { status, err } = await pes(...argv.map((a) => (a === 'x' ? join(dir, 'x') : a)));
    expect(status).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});

describe('pes bench', () => {
  it('prints wall time and particle-steps per second of the paper PES run', async () => {
    const { status, out } = await pes('bench', 'influence-balancing', '--repeats', '1');
    expect(status).toBe(0);
    expect(out.join('\n')).toMatch(/3,000,000 particle-steps/);
    expect(out.join('\n')).toMatch(
      /PES meta-training run\s+median [\d.]+ s\s+[\d.]+ M particle-steps\/s/,
    );
  });
});

describe('synthetic tasks at the command line', () => {
  it.each([
    [
      ['--task', 'influence-balancing', '--estimator', 'es'],
      /estimator es needs finite episodes; influence-balancing never ends/,
    ],
    [
      ['--task', 'influence-balancing', '--horizon', '10'],
      /^pes: task influence-balancing takes no --horizon \(read by quadratic, /,
    ],
    [['--task', 'toy-regression', '--unroll', '0'], /--unroll: .*\(got 0\)/],
    [['--task', 'toy-regression', '--horizon', '-5'], /--horizon: .*\(got -5\)/],
    [['--task', 'toy-regression', '--sigma', '0'], /--sigma: .*\(got 0\)/],
  ])('%j is refused with one line and exit 2', async (args, message) => {
    const out = join(temporaryDirectory(), 'run');
    const { status, err } = await pes('meta-train', ...args, '--out', out);
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(message)]);
    expect(existsSync(out)).toBe(false);
  });

  it('paper defaults are the task defaults, with per-estimator values', async () => {
    const out = join(temporaryDirectory(), 'run');
    const { status } = await pes(
      'meta-train',
      '--task',
      'influence-balancing',
      '--estimator',
      'uoro',
      '--iterations',
      '5',
      '--out',
      out,
    );
    expect(status).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      unrollLength: 1,
      particles: 1,
      outerOptimizer: 'sgd',
      outerLr: 1e-5,
      seed: 3,
    });
    const pesRun = join(temporaryDirectory(), 'pes');
    await pes('meta-train', '--task', 'influence-balancing', '--iterations', '5', '--out', pesRun);
    expect(JSON.parse(readFileSync(join(pesRun, 'config.json'), 'utf8'))).toMatchObject({
      estimator: 'pes',
      unrollLength: 1,
      particles: 1000,
      sigma: 0.1,
      outerLr: 1e-4,
      iterations: 5,
      seed: 3,
    });
  });
});
