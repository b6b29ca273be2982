import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeKey } from '@pes/core';
import {
  FAMILY_WEIGHTS,
  initialMlpLoptTheta,
  mlpLoptLayout,
  normalizedLearnedOptimizerJson,
  untrainedNormalizedTheta,
} from '@pes/learned-opt';
import { saveLearnedOptimizer } from '@pes/learned-opt/node';
import { describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';

const SMALL = ['--arch', '784-8-10', '--steps', '6', '--eval-every', '3', '--train-records', '500'];

function weightsFile(dir: string): string {
  const file = join(dir, 'learned-optimizer.json');
  saveLearnedOptimizer(file, initialMlpLoptTheta(makeKey(9)));
  return file;
}

describe('pes evaluate-optimizer', () => {
  it('trains fresh networks with the learned optimizer, its initialisation and an Adam grid; writes evaluation.json, table.md and the plot', async () => {
    const dir = temporaryDirectory();
    const out = join(dir, 'evaluation');
    const { status, out: lines } = await pes(
      'evaluate-optimizer',
      '--weights',
      weightsFile(dir),
      '--task',
      'mnist-mlp',
      '--seeds',
      '2',
      '--adam-lrs',
      '1e-3,1e-2',
      '--out',
      out,
      ...SMALL,
    );
    expect(status).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'evaluation.json',
      'loss-curves.png',
      'loss-curves.svg',
      'table.md',
    ]);
    const evaluation = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8'));
    expect(evaluation.seeds).toEqual([0, 1]);
    const names = evaluation.optimizers.map((o: { name: string }) => o.name);
    expect(names.slice(0, 2)).toEqual(['learned optimizer', 'learned optimizer, untrained']);
    expect(names[2]).toMatch(/^Adam 0\.01? \(best of grid\)$/);
    for (const o of evaluation.optimizers) {
      for (const figure of ['finalTrainLoss', 'finalValLoss', 'finalValAccuracy']) {
        expect(Number.isFinite(o[figure].mean)).toBe(true);
        expect(o[figure].std).toBeGreaterThanOrEqual(0);
      }
      expect(o.perSeed).toHaveLength(2);
    }
    // The best Adam is the grid's lowest mean final validation loss.
    const grid = evaluation.adamGrid as { finalValLoss: { mean: number }; best: boolean }[];
    const lowest = Math.min(...grid.map((g) => g.finalValLoss.mean));
    expect(grid.find((g) => g.best)!.finalValLoss.mean).toBe(lowest);
    // Every optimizer starts from the same network per seed: equal figures at step 0.
    const curves = Object.values(evaluation.curves) as { step: number; valLoss: number }[][][];
    for (const seed of [0, 1]) {
      const first = curves.map((c) => c[seed]![0]!);
      expect(new Set(first.map((p) => p.valLoss)).size).toBe(1);
      expect(curves[0]![seed]!.map((p) => p.step)).toEqual([0, 3, 6]);
    }
    expect(lines.join('\n')).toMatch(/\| learned optimizer \|/);
  }, 120_000);

  it.each([
    [
      'a missing weights file',
      (dir: string) => join(dir, 'nowhere.json'),
      /cannot read .*nowhere\.json: ENOENT/,
    ],
    [
      'a file of another format version',
      (dir: string) => {
        const file = weightsFile(dir);
        const body = JSON.parse(readFileSync(file, 'utf8'));
        writeFileSync(file, JSON.stringify({ ...body, version: 99 }));
        return file;
      },
      /format version 99; this @pes reads version 1/,
    ],
    [
      'θ of the wrong length',
      (dir: string) => {
        const file = weightsFile(dir);
        const body = JSON.parse(readFileSync(file, 'utf8'));
        writeFileSync(file, JSON.stringify({ ...body, theta: body.theta.slice(1) }));
        return file;
      },
      new RegExp(`θ must be ${mlpLoptLayout().dim} finite numbers`),
    ],
    [
      'another architecture',
      (dir: string) => {
        const file = weightsFile(dir);
        const body = JSON.parse(readFileSync(file, 'utf8'));
        writeFileSync(
          file,
          JSON.stringify({ ...body, architecture: { ...body.architecture, hidden: [64, 64] } }),
        );
        return file;
      },
      /holds a learned optimizer of architecture .*"hidden":\[64,64\].*expected/,
    ],
  ])('refuses %s: one line, exit 2, nothing written', async (_what, make, message) => {
    const dir = temporaryDirectory();
    const out = join(dir, 'evaluation');
    const { status, err } = await pes(
      'evaluate-optimizer',
      '--weights',
      make(dir),
      '--out',
      out,
      ...SMALL,
    );
    expect(status).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^pes: /);
    expect(err[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [
      ['--task', 'lopt-mnist'],
      /unknown task 'lopt-mnist'; evaluate-optimizer trains mnist-mlp, cifar10-mlp, mnist-conv, cifar10-conv/,
    ],
    [
      ['--task', 'mnist-conv', '--arch', '784-8-10'],
      /--arch sets an MLP's layers; mnist-conv is a conv net/,
    ],
    [['--suite', 'unseen'], /unknown suite 'unseen'; known suites: held-out, mlp-family-held-out/],
    [['--step-scale', '0'], /--step-scale must be a positive number, got 0/],
    [['--step-feature-limit', 'soon'], /--step-feature-limit must be a step count ≥ 1 or 'none'/],
    [['--suite', 'held-out', '--batch', '8'], /--batch is set by each problem of a suite/],
    [
      ['--suite', 'held-out', '--problems', 'deep-mlp,nope'],
      /--problems: 'nope' is not in suite held-out/,
    ],
    [['--suite', 'held-out', '--horizons', '1,0.5'], /--horizons must be positive whole multiples/],
    [['--horizons', '1,5'], /--horizons sets a suite’s lengths; with --task, use --steps/],
    [
      ['--suite', 'mlp-family-held-out', '--horizons', '1,5'],
      /--horizons: suite mlp-family-held-out has fixed lengths/,
    ],
    [['--jobs', '2'], /--jobs spreads a suite’s runs/],
    [
      ['--depth-scale', '3,0.5'],
      /--depth-scale is the normalised learned optimizer's; \S+ holds the MLP/,
    ],
    [['--seeds', '0'], /--seeds must be a positive integer, got 0/],
    [['--adam-lrs', '1e-3,-1'], /--adam-lrs must be positive numbers/],
    [['--arch', '784-x-10'], /--arch: architecture must be layer sizes/],
    [['--arch', '100-10'], /--arch 100-10 does not fit mnist: it needs 784 inputs and 10 outputs/],
  ])('refuses %j with one clear line and exit 2', async (flags, message) => {
    const dir = temporaryDirectory();
    const out = join(dir, 'evaluation');
    const { status, err } = await pes(
      'evaluate-optimizer',
      '--weights',
      weightsFile(dir),
      '--out',
      out,
      '--steps',
      '2',
      ...flags,
    );
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(message)]);
    expect(existsSync(out)).toBe(false);
  });

  it('trains a conv net (mnist-conv) with the shipped MLP weights: every optimizer from the same network', async () => {
    const out = join(temporaryDirectory(), 'evaluation');
    const { status } = await pes(
      'evaluate-optimizer',
      '--weights',
      'shipped-mlp',
      '--task',
      'mnist-conv',
      '--steps',
      '4',
      '--eval-every',
      '2',
      '--seeds',
      '1',
      '--adam-lrs',
      '1e-3',
      '--train-records',
      '200',
      '--out',
      out,
    );
    expect(status).toBe(0);
    const evaluation = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8'));
    expect(evaluation.network).toMatch(/^conv 8-16/);
    expect(evaluation.weights).toBe('the shipped MLP family weights');
    expect(evaluation.stepFeatureLimit).toBe(FAMILY_WEIGHTS.stepFeatureLimit);
    expect(evaluation.stepScale).toBe(1);
    const starts = (Object.values(evaluation.curves) as { valLoss: number }[][][]).map(
      (c) => c[0]![0]!.valLoss,
    );
    expect(starts).toHaveLength(3);
    expect(new Set(starts).size).toBe(1);
    for (const o of evaluation.optimizers)
      expect(Number.isFinite(o.finalTrainLoss.mean)).toBe(true);
  }, 120_000);

  it('runs a suite problem and sets the learned optimizer against the tuned Adam in summary.md', async () => {
    const out = join(temporaryDirectory(), 'held-out');
    const { status, out: lines } = await pes(
      'evaluate-optimizer',
      '--weights',
      'shipped',
      '--suite',
      'mlp-family-held-out',
      '--problems',
      'large-batch',
      '--seeds',
      '1',
      '--adam-lrs',
      '1e-3,1e-2',
      '--no-untrained',
      '--eval-every',
      '250',
      '--out',
      out,
    );
    expect(status).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'large-batch',
      'ratios.png',
      'ratios.svg',
      'summary.json',
      'summary.md',
    ]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const [row] = summary.rows;
    expect(row.problem).toBe('large-batch');
    // The tuned Adam is the grid's lowest final training loss, and the ratio is the learned
    // optimizer's over it.
    const evaluation = JSON.parse(
      readFileSync(join(out, 'large-batch', 'evaluation.json'), 'utf8'),
    );
    expect(evaluation.batchSize).toBe(256);
    expect(evaluation.steps).toBe(500);
    const grid = evaluation.adamGrid as { finalTrainLoss: { mean: number } }[];
    expect(row.tunedAdam.mean).toBe(Math.min(...grid.map((g) => g.finalTrainLoss.mean)));
    expect(row.ratio).toBeCloseTo(row.learned.mean / row.tunedAdam.mean, 12);
    expect(row.within).toBe(row.ratio <= 1.5);
    expect(row.learnedSecondsPerStep).toBeGreaterThan(0);
    expect(evaluation.optimizers.map((o: { name: string }) => o.name)).not.toContain(
      'learned optimizer, untrained',
    );
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/\| large-batch \| batch 256/);
    expect(lines.join('\n')).toMatch(
      /Within 1.5× of the tuned Adam on every problem|Not within 1.5×/,
    );
  }, 180_000);

  it('runs the held-out suite at two horizons in two child processes, each row as one problem alone would', async () => {
    const dir = temporaryDirectory();
    const out = join(dir, 'held-out');
    const common = ['--weights', 'shipped', '--seeds', '1', '--adam-lrs', '1e-3,1e-2'];
    const { status, out: lines } = await pes(
      'evaluate-optimizer',
      ...common,
      '--suite',
      'held-out',
      '--problems',
      'mnist-mlp,large-batch',
      '--horizon',
      '12',
      '--horizons',
      '1,2',
      '--jobs',
      '2',
      '--no-untrained',
      '--out',
      out,
    );
    expect(status).toBe(0);
    expect(lines.join('\n')).toMatch(/4 runs of suite held-out, 2 child processes at a time/);
    expect(readdirSync(out).sort()).toEqual([
      'large-batch-1x',
      'large-batch-2x',
      'mnist-mlp-1x',
      'mnist-mlp-2x',
      'ratios.png',
      'ratios.svg',
      'summary.json',
      'summary.md',
    ]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.multiples).toEqual([1, 2]);
    expect(
      summary.rows.map((r: { problem: string; steps: number }) => `${r.problem}:${r.steps}`),
    ).toEqual(['large-batch:12', 'large-batch:24', 'mnist-mlp:12', 'mnist-mlp:24']);
    expect(summary.geometricMean).toBeCloseTo(
      Math.exp(
        summary.rows.reduce((s: number, r: { ratio: number }) => s + Math.log(r.ratio), 0) / 4,
      ),
      12,
    );
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/\| mnist-mlp @ 2× \|/);
    // A row is what the same problem alone gives: the child ran it as `--task` with its setting.
    const alone = join(dir, 'alone');
    const single = await pes(
      'evaluate-optimizer',
      ...common,
      '--task',
      'mnist-mlp',
      '--batch',
      '256',
      '--steps',
      '24',
      '--no-untrained',
      '--out',
      alone,
    );
    expect(single.status).toBe(0);
    const read = (d: string) => JSON.parse(readFileSync(join(d, 'evaluation.json'), 'utf8'));
    expect(read(join(out, 'large-batch-2x')).optimizers[0].finalTrainLoss).toEqual(
      read(alone).optimizers[0].finalTrainLoss,
    );
    // Extended to a third horizon with --reuse: its two runs there are read, a third is added.
    const extended = await pes(
      'evaluate-optimizer',
      ...common,
      '--suite',
      'held-out',
      '--problems',
      'large-batch',
      '--horizon',
      '12',
      '--horizons',
      '1,2,3',
      '--reuse',
      '--no-untrained',
      '--out',
      out,
    );
    expect(extended.status).toBe(0);
    expect(extended.out.filter((l) => l.startsWith('pes: reusing'))).toHaveLength(2);
    expect(extended.out.join('\n')).toMatch(/evaluating .* large-batch @ 3×/);
    const rows = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).rows;
    expect(rows.map((r: { steps: number }) => r.steps)).toEqual([12, 24, 36]);
  }, 300_000);

  it('evaluates the normalised learned optimizer from its weights file, at the schedule it records', async () => {
    const dir = temporaryDirectory();
    const file = join(dir, 'normalized.json');
    const theta = Float64Array.from(untrainedNormalizedTheta(), (v, i) => v + 0.2 * Math.cos(i));
    writeFileSync(
      file,
      normalizedLearnedOptimizerJson(theta, { innerLr: 3e-3, innerSchedule: 'cosine' }),
    );
    const out = join(dir, 'evaluation');
    const run = await pes(
      'evaluate-optimizer',
      '--weights',
      file,
      '--task',
      'mnist-mlp',
      '--seeds',
      '1',
      '--adam-lrs',
      '1e-3',
      '--out',
      out,
      ...SMALL,
    );
    expect(run.status, run.err.join('\n')).toBe(0);
    const evaluation = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8'));
    expect(evaluation.normalized).toEqual({ innerLr: 3e-3, innerSchedule: 'cosine' });
    const names = evaluation.optimizers.map((o: { name: string }) => o.name);
    expect(names.slice(0, 2)).toEqual(['learned optimizer', 'learned optimizer, untrained']);
    // A width scale is recorded with the schedule and shortens the first layer's steps (fan-in
    // 784 > 32): the learned optimizer trains otherwise, Adam exactly as before.
    const scaledOut = join(dir, 'scaled');
    const scaled = await pes(
      'evaluate-optimizer',
      '--weights',
      file,
      '--width-scale',
      '32,1',
      '--seeds',
      '1',
      '--adam-lrs',
      '1e-3',
      '--out',
      scaledOut,
      ...SMALL,
    );
    expect(scaled.status, scaled.err.join('\n')).toBe(0);
    const withScale = JSON.parse(readFileSync(join(scaledOut, 'evaluation.json'), 'utf8'));
    expect(withScale.normalized).toEqual({
      innerLr: 3e-3,
      innerSchedule: 'cosine',
      widthScale: { baseFanIn: 32, power: 1 },
    });
    const loss = (e: { optimizers: { finalTrainLoss: { mean: number } }[] }, i: number) =>
      e.optimizers[i]!.finalTrainLoss.mean;
    expect(loss(withScale, 0)).not.toBe(loss(evaluation, 0));
    const adam = (e: { adamGrid: { finalTrainLoss: object }[] }) =>
      e.adamGrid.map((g) => g.finalTrainLoss);
    expect(adam(withScale)).toEqual(adam(evaluation));
    // In a suite, summary.md and summary.json say which width scale judged it.
    const suiteOut = join(dir, 'suite');
    const suite = await pes(
      'evaluate-optimizer',
      '--weights',
      'shipped',
      '--suite',
      'held-out',
      '--problems',
      'large-batch',
      '--horizon',
      '4',
      '--horizons',
      '1',
      '--seeds',
      '1',
      '--adam-lrs',
      '1e-3',
      '--train-records',
      '500',
      '--no-untrained',
      '--out',
      suiteOut,
    );
    expect(suite.status, suite.err.join('\n')).toBe(0);
    expect(readFileSync(join(suiteOut, 'summary.md'), 'utf8')).toContain(
      'the learned optimizer with width scale (base fan-in 64, power 0.5)',
    );
    const summary = JSON.parse(readFileSync(join(suiteOut, 'summary.json'), 'utf8'));
    expect(summary.widthScale).toEqual({ baseFanIn: 64, power: 0.5 });
    // 'shipped' is familyLearnedOptimizer(): the width scale is on unless --width-scale none.
    const evaluationOf = (d: string) =>
      JSON.parse(readFileSync(join(d, 'large-batch-1x', 'evaluation.json'), 'utf8'));
    expect(evaluationOf(suiteOut).normalized.widthScale).toEqual({ baseFanIn: 64, power: 0.5 });
    const offOut = join(dir, 'suite-off');
    const off = await pes(
      'evaluate-optimizer',
      '--weights',
      'shipped',
      '--suite',
      'held-out',
      '--problems',
      'large-batch',
      '--horizon',
      '4',
      '--horizons',
      '1',
      '--width-scale',
      'none',
      '--seeds',
      '1',
      '--adam-lrs',
      '1e-3',
      '--train-records',
      '500',
      '--no-untrained',
      '--out',
      offOut,
    );
    expect(off.status, off.err.join('\n')).toBe(0);
    expect(evaluationOf(offOut).normalized).toEqual({ innerLr: 1e-3, innerSchedule: 'cosine' });
    for (const [flag, message] of [
      ['32', /^pes: --width-scale must be BASE,POWER .* got 32: two numbers are needed$/],
      ['32,2', /^pes: --width-scale must be BASE,POWER .*power must be a number in \(0, 1\]$/],
    ] as const) {
      const bad = await pes(
        'evaluate-optimizer',
        '--weights',
        file,
        '--width-scale',
        flag,
        '--out',
        out,
        ...SMALL,
      );
      expect(bad.status).toBe(2);
      expect(bad.err).toEqual([expect.stringMatching(message)]);
    }
    // Its knobs are the MLP learned optimizer's: one line, exit 2.
    const knob = await pes(
      'evaluate-optimizer',
      '--weights',
      file,
      '--step-scale',
      '2',
      '--out',
      out,
      ...SMALL,
    );
    expect(knob.status).toBe(2);
    expect(knob.err).toEqual([
      expect.stringMatching(
        /^pes: --step-scale and --step-feature-limit are the MLP learned optimizer's knobs; \S+ holds the normalised one/,
      ),
    ]);
  }, 120_000);

  it('reuses a finished run of a problem whose arch is its task’s (the autoencoder)', async () => {
    const out = join(temporaryDirectory(), 'suite');
    const run = () =>
      pes(
        'evaluate-optimizer',
        '--weights',
        'shipped',
        '--suite',
        'held-out',
        '--problems',
        'autoencoder',
        '--horizon',
        '3',
        '--horizons',
        '1',
        '--seeds',
        '1',
        '--adam-lrs',
        '1e-3',
        '--train-records',
        '200',
        '--no-untrained',
        '--reuse',
        '--out',
        out,
      );
    expect((await run()).status).toBe(0);
    const again = await run();
    expect(again.status).toBe(0);
    expect(again.out.filter((l) => l.startsWith('pes: reusing'))).toHaveLength(1);
  }, 120_000);

  it('reads Adam’s grid from an earlier evaluation (--adam-from): the same files as training it again', async () => {
    const dir = temporaryDirectory();
    const run = (out: string, ...extra: string[]) =>
      pes(
        'evaluate-optimizer',
        '--weights',
        'shipped',
        '--seeds',
        '2',
        '--adam-lrs',
        '1e-3,3e-3',
        '--out',
        join(dir, out),
        ...SMALL,
        ...extra,
      );
    expect((await run('first')).status).toBe(0);
    // Another learned optimizer beside the same Adam: read, and trained again.
    const read = await run('read', '--width-scale', '32,1', '--adam-from', join(dir, 'first'));
    expect(read.status, read.err.join('\n')).toBe(0);
    expect(read.out.filter((l) => l.includes('(read from'))).toHaveLength(2);
    expect((await run('again', '--width-scale', '32,1')).status).toBe(0);
    const load = (out: string) => {
      const e = JSON.parse(readFileSync(join(dir, out, 'evaluation.json'), 'utf8'));
      const untimed = (o: { secondsPerStep?: number }) => ({ ...o, secondsPerStep: 0 });
      return { ...e, optimizers: e.optimizers.map(untimed), adamGrid: e.adamGrid.map(untimed) };
    };
    const { adamFrom, ...withoutSource } = load('read');
    expect(adamFrom).toBe(join(dir, 'first'));
    // Everything but the times: learned figures, Adam's grid and its best, the curves.
    expect(withoutSource).toEqual(load('again'));
    // A run whose settings differ is refused before any training, naming the setting.
    const other = await run('other', '--steps', '9', '--adam-from', join(dir, 'first'));
    expect(other.status).toBe(2);
    expect(other.err).toEqual([
      expect.stringMatching(/^pes: --adam-from \S+evaluation\.json: its steps is 6, this run's 9$/),
    ]);
    const none = await run('none', '--adam-from', join(dir, 'absent'));
    expect(none.status).toBe(2);
    expect(none.err).toEqual([expect.stringMatching(/absent: it has no evaluation\.json$/)]);
    expect(existsSync(join(dir, 'other'))).toBe(false);
  }, 120_000);

  it('steps deeper networks shorter with --depth-scale: recorded, only above its base, Adam untouched', async () => {
    const dir = temporaryDirectory();
    const run = (out: string, problem: string, ...extra: string[]) =>
      pes(
        'evaluate-optimizer',
        '--weights',
        'shipped',
        '--suite',
        'held-out',
        '--problems',
        problem,
        '--horizon',
        '4',
        '--horizons',
        '1',
        '--seeds',
        '1',
        '--adam-lrs',
        '1e-3',
        '--train-records',
        '500',
        '--no-untrained',
        '--out',
        join(dir, out),
        ...extra,
      );
    const read = (out: string, unit: string) =>
      JSON.parse(readFileSync(join(dir, out, unit, 'evaluation.json'), 'utf8'));
    const learned = (e: { optimizers: { finalTrainLoss: { mean: number } }[] }) =>
      e.optimizers[0]!.finalTrainLoss.mean;
    for (const [out, extra] of [
      ['plain', []],
      ['deep', ['--depth-scale', '3,0.5']],
    ] as const) {
      const r = await run(out, 'deep-mlp,mnist-mlp', ...extra);
      expect(r.status, r.err.join('\n')).toBe(0);
    }
    // The 8-layer MLP (9 weight tensors) steps shorter; Adam's runs are the same.
    expect(read('deep', 'deep-mlp-1x').normalized.depthScale).toEqual({ baseDepth: 3, power: 0.5 });
    expect(learned(read('deep', 'deep-mlp-1x'))).not.toBe(learned(read('plain', 'deep-mlp-1x')));
    expect(read('deep', 'deep-mlp-1x').adamGrid[0].finalTrainLoss).toEqual(
      read('plain', 'deep-mlp-1x').adamGrid[0].finalTrainLoss,
    );
    // 784-32-10 has 2 weight tensors, below the base: the same bits as without a depth scale.
    expect(learned(read('deep', 'mnist-mlp-1x'))).toBe(learned(read('plain', 'mnist-mlp-1x')));
    expect(readFileSync(join(dir, 'deep', 'summary.md'), 'utf8')).toContain(
      'and depth scale (base depth 3, power 0.5)',
    );
    const bad = await run('bad', 'mnist-mlp', '--depth-scale', '2.5,1');
    expect(bad.status).toBe(2);
    expect(bad.err).toEqual([
      expect.stringMatching(/^pes: --depth-scale must be BASE,POWER .*baseDepth must be a whole/),
    ]);
  }, 240_000);

  it('pools suite runs of disjoint seeds (--pool): the rows one run of all the seeds gives', async () => {
    const dir = temporaryDirectory();
    const run = (out: string, ...seeds: string[]) =>
      pes(
        'evaluate-optimizer',
        '--weights',
        'shipped',
        '--suite',
        'held-out',
        '--problems',
        'mnist-mlp,large-batch',
        '--horizon',
        '6',
        '--horizons',
        '1',
        '--adam-lrs',
        '1e-3,1e-2',
        '--train-records',
        '500',
        '--no-untrained',
        '--out',
        join(dir, out),
        ...seeds,
      );
    for (const [out, ...seeds] of [
      ['first', '--seeds', '2'],
      ['more', '--seed', '2', '--seeds', '1'],
      ['all', '--seeds', '3'],
    ] as const)
      expect((await run(out, ...seeds)).status).toBe(0);
    const pool = (dirs: string[], ...extra: string[]) =>
      pes(
        'evaluate-optimizer',
        '--suite',
        'held-out',
        '--pool',
        dirs.map((d) => join(dir, d)).join(','),
        '--out',
        join(dir, 'pooled'),
        ...extra,
      );
    const pooled = await pool(['first', 'more']);
    expect(pooled.status, pooled.err.join('\n')).toBe(0);
    const rows = (out: string) =>
      JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')).rows.map(
        (r: Record<string, unknown>) => ({ ...r, learnedSecondsPerStep: 0, adamSecondsPerStep: 0 }),
      );
    // Every figure but the wall times, to the last digit: each seed's run is its own.
    expect(rows('pooled')).toEqual(rows('all'));
    expect(rows('pooled').map((r: { seeds: number }) => r.seeds)).toEqual([3, 3]);
    const summary = readFileSync(join(dir, 'pooled', 'summary.md'), 'utf8');
    expect(summary).toMatch(/^3 seeds per optimizer;/m);
    expect(summary).toContain(`Each row pools the seeds of its runs in ${join(dir, 'first')}`);
    // A copy of a run is the same run, counted once; another run of a seed is refused.
    const copy = await pool(['first', 'first']);
    expect(copy.status).toBe(0);
    expect(rows('pooled').map((r: { seeds: number }) => r.seeds)).toEqual([2, 2]);
    const shared = await pool(['first', 'all']);
    expect(shared.status).toBe(2);
    expect(shared.err).toEqual([expect.stringMatching(/^pes: --pool: seed 0 is in both \S+first/)]);
    // Only one problem's rows, where --problems says so; a row's settings must agree.
    expect((await pool(['first', 'more'], '--problems', 'large-batch')).status).toBe(0);
    expect(rows('pooled').map((r: { problem: string }) => r.problem)).toEqual(['large-batch']);
    expect((await run('longer', '--seed', '3', '--seeds', '1', '--eval-every', '2')).status).toBe(
      0,
    );
    const differ = await pool(['first', 'longer']);
    expect(differ.status).toBe(2);
    expect(differ.err).toEqual([
      expect.stringMatching(
        /^pes: --pool: \S+longer\S+ has evalEvery 2, \S+ 1; only runs of the same settings pool$/,
      ),
    ]);
    for (const [extra, message] of [
      [['--weights', 'shipped'], /^pes: --weights trains; --pool reads finished runs/],
      [['--reuse'], /^pes: --reuse trains; --pool reads finished runs/],
    ] as const) {
      const refused = await pool(['first'], ...extra);
      expect(refused.status).toBe(2);
      expect(refused.err).toEqual([expect.stringMatching(message)]);
    }
    const noSuite = await pes('evaluate-optimizer', '--pool', join(dir, 'first'), '--out', dir);
    expect(noSuite.err).toEqual([expect.stringMatching(/--pool pools the runs of a suite/)]);
    const empty = await pool(['absent']);
    expect(empty.err).toEqual([expect.stringMatching(/--pool: \S+absent does not exist$/)]);
    writeFileSync(join(dir, 'more', 'mnist-mlp-1x', 'evaluation.json'), '{"seeds": [');
    const broken = await pool(['first', 'more']);
    expect(broken.status).toBe(2);
    expect(broken.err).toEqual([expect.stringMatching(/--pool: \S+evaluation\.json is not JSON/)]);
  }, 300_000);

  it('needs --weights and --out', async () => {
    expect((await pes('evaluate-optimizer', '--out', temporaryDirectory())).err).toEqual([
      expect.stringMatching(/--weights FILE is required/),
    ]);
    const dir = temporaryDirectory();
    expect((await pes('evaluate-optimizer', '--weights', weightsFile(dir))).err).toEqual([
      expect.stringMatching(/--out DIR is required/),
    ]);
  });
});

describe('pes bench lopt-update', () => {
  it('prints the learned optimizer update beside the inner forward + backward pass, as JSON on request', async () => {
    const { status, out } = await pes(
      'bench',
      'lopt-update',
      '--arch',
      '784-16-10',
      '--batch',
      '8',
      '--particles',
      '2',
      '--json',
    );
    expect(status).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report.rows.map((r: { name: string }) => r.name)).toEqual([
      'forward + backward',
      'learned optimizer',
      'learned optimizer, reference formulation',
      'normalised learned optimizer',
      'Adam',
      'normalised learned optimizer, as tf.Optimizer',
    ]);
    expect(report.parameters).toBe(784 * 16 + 16 + 16 * 10 + 10);
    for (const row of report.rows) expect(row.ms).toBeGreaterThan(0);
    expect(report.rows[0].ratioToInner).toBe(1);
    // Kernels per particle, counted by tf.profile: the normalised update's per-tensor features
    // and MLP dispatch several times Adam's.
    const kernels = Object.fromEntries(
      report.rows.map((r: { name: string; kernels: number }) => [r.name, r.kernels]),
    );
    for (const n of Object.values(kernels)) expect(Number.isInteger(n) && n > 0).toBe(true);
    expect(kernels['normalised learned optimizer']).toBeGreaterThan(3 * kernels['Adam']);
    // The tf.Optimizer runs the rule once over the network's four variables, and adds each
    // variable's update to it: nothing else per variable.
    expect(kernels['normalised learned optimizer, as tf.Optimizer']).toBe(
      kernels['normalised learned optimizer'] + 4,
    );
  });
});

describe('pes experiment learned-optimizer', () => {
  it('meta-trains with PES and truncated ES at one budget, evaluates both, and tabulates and plots it', async () => {
    const out = join(temporaryDirectory(), 'exp');
    const { status, out: lines } = await pes(
      'experiment',
      'learned-optimizer',
      '--out',
      out,
      '--iterations',
      '2',
      '--horizon',
      '20',
      '--particles',
      '4',
      '--seeds',
      '2',
      '--eval-every',
      '1',
    );
    expect(status).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.runs.map((r: { estimator: string }) => r.estimator)).toEqual(['pes', 'tes']);
    for (const run of results.runs) {
      expect(run.history.map((h: { iteration: number }) => h.iteration)).toEqual([0, 1, 2]);
    }
    // Both estimators start from the same θ and are evaluated on the same network and data.
    expect(results.runs[0].history[0].evalLoss).toBe(results.runs[1].history[0].evalLoss);
    expect(results.evaluation.map((r: { name: string }) => r.name).slice(0, 3)).toEqual([
      'learned optimizer, meta-trained with PES',
      'learned optimizer, meta-trained with truncated ES',
      'learned optimizer, untrained',
    ]);
    expect(lines.join('\n')).toMatch(/\| truncated ES \| .* → /);
    expect(readFileSync(join(out, 'meta-training.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(join(out, 'evaluation', 'pes', 'loss-curves.png'))).toBe(true);
  }, 300_000);
});
