import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeanAndStd } from '@pes/core';
import { writeFileAtomic } from '@pes/core/node';
import type { TopLevelSpec } from 'vega-lite';
import { OPTIMIZER_LABELS } from './evaluation-files.js';
import { curvesPlot } from './loss-curves-plot.js';
import type { CurvePoint } from '@pes/inner-problems';
import { childDirectory, runChildren, type ChildRun } from './children.js';
import { formatMeanAndStd, formatNumber, markdownTable } from './methods.js';
import {
  type Io,
  UsageError,
  writePlot,
  resolveConfig,
  readRunResult,
  type Evaluated,
} from '@pes/runner/node';
import type { ExperimentIo } from './experiment-io.js';

export interface LearnedOptimizerExperimentOptions {
  /** Outer iterations of each meta-training run (PES and truncated ES get the same). */
  iterations: number;
  /** Inner steps per episode in meta-training, and per network in the evaluation. */
  horizon: number;
  particles: number;
  outerLr: number;
  evalEvery: number;
  /** Fresh initialisations per optimizer in the evaluation. */
  seeds: number;
  seed: number;
  /** Child processes at once: one per core. */
  concurrency: number;
}

/**
 * docs/paper.md d at a 2-core scale: measured here, N = 16 and outer Adam 3e-3 lower the meta-loss
 * faster than N = 8 or Adam 3e-4 within a few hundred iterations (docs/results.md d).
 */
export const LEARNED_OPTIMIZER_DEFAULTS: LearnedOptimizerExperimentOptions = {
  iterations: 600,
  horizon: 200,
  particles: 16,
  outerLr: 3e-3,
  evalEvery: 50,
  seeds: 5,
  seed: 0,
  concurrency: 2,
};

const ESTIMATORS = [
  { estimator: 'pes', label: 'PES' },
  { estimator: 'tes', label: 'truncated ES' },
] as const;

interface EvaluatedOptimizer {
  name: string;
  finalTrainLoss: MeanAndStd;
  finalValLoss: MeanAndStd;
  finalValAccuracy: MeanAndStd;
  diverged: number;
}
/** An evaluation of lopt-mnist's meta-training run, as its result.json holds it. */
type HistoryPoint = Evaluated<'evalLoss' | 'valLoss' | 'valAccuracy'>;

/**
 * Meta-trains the MLP learned optimizer on lopt-mnist with PES and with truncated ES at the
 * same budget (same K, N, iterations: the same inner steps), each a `pes meta-train` child;
 * then evaluates both trained optimizers on fresh MNIST networks (`pes evaluate-optimizer`)
 * against the untrained initialisation and the best Adam of a grid.
 */
export async function learnedOptimizerExperiment(
  out: string,
  options: LearnedOptimizerExperimentOptions,
  io: ExperimentIo,
): Promise<void> {
  const { iterations, horizon, particles, outerLr, evalEvery, seeds, seed } = options;
  if (!Number.isInteger(horizon) || horizon < 10 || horizon % 10 !== 0)
    throw new UsageError(`--horizon must be a multiple of the unroll length 10, got ${horizon}`);
  const runDir = (estimator: string) => join(out, 'runs', estimator);
  const evaluationDir = (estimator: string) => join(out, 'evaluation', estimator);
  const metaTrain = ESTIMATORS.map(({ estimator }): ChildRun => ({
    command: 'meta-train',
    config: resolveConfig({
      task: 'lopt-mnist',
      estimator,
      horizon,
      particles,
      outerLr,
      iterations,
      evalEvery: Math.min(evalEvery, iterations),
      seed,
    }),
    out: runDir(estimator),
  }));
  io.out(
    `  meta-training with PES and truncated ES as child processes; logs in ${join(out, 'runs')}/*/log.txt`,
  );
  await expectSuccess(
    metaTrain,
    await runChildren(metaTrain, options.concurrency, io.pes, (i, status) =>
      io.out(`  ${status === 0 ? 'done' : `FAILED (${status})`}: ${ESTIMATORS[i]!.label}`),
    ),
  );
  const evaluate = ESTIMATORS.map(({ estimator }): ChildRun => ({
    command: 'evaluate-optimizer',
    options: {
      weights: join(runDir(estimator), 'learned-optimizer.json'),
      task: 'mnist-mlp',
      steps: horizon,
      seeds,
      out: evaluationDir(estimator),
    },
  }));
  io.out(`  evaluating both learned optimizers on ${seeds} fresh networks each`);
  await expectSuccess(evaluate, await runChildren(evaluate, options.concurrency, io.pes));
  await summariseLearnedOptimizerExperiment(out, options, io);
}

/**
 * The experiment's table, results.json and plot from its run directories (`runs/pes`,
 * `runs/tes`, `evaluation/pes`, `evaluation/tes` under `out`).
 */
export async function summariseLearnedOptimizerExperiment(
  out: string,
  options: LearnedOptimizerExperimentOptions,
  io: Io,
): Promise<void> {
  const { iterations, horizon, particles, outerLr, seeds, seed } = options;
  const runDir = (estimator: string) => join(out, 'runs', estimator);
  const evaluationDir = (estimator: string) => join(out, 'evaluation', estimator);

  const runs = ESTIMATORS.map(({ estimator, label }) => {
    // Through its schema: a child's result.json that is not what a run writes is one line.
    // The run's history starts with the initial θ's evaluation (iteration 0); lopt-mnist's
    // figures in it are numbers.
    const history = readRunResult(runDir(estimator)).history as HistoryPoint[];
    const evaluation = JSON.parse(
      readFileSync(join(evaluationDir(estimator), 'evaluation.json'), 'utf8'),
    ) as { optimizers: EvaluatedOptimizer[]; curves: Record<string, CurvePoint[][]> };
    return { estimator, label, history, evaluation };
  });
  const [pes, tes] = runs as [(typeof runs)[0], (typeof runs)[0]];
  // Each evaluation's learned optimizer, by its name in evaluation.json.
  const learned = (r: (typeof runs)[0]) =>
    r.evaluation.optimizers.find((o) => o.name === OPTIMIZER_LABELS.learned)!;
  // Untrained and Adam rows are the same in both evaluations (same seeds): take PES's.
  const others = pes.evaluation.optimizers.filter((o) => o.name !== OPTIMIZER_LABELS.learned);
  const rows: EvaluatedOptimizer[] = [
    { ...learned(pes), name: 'learned optimizer, meta-trained with PES' },
    { ...learned(tes), name: 'learned optimizer, meta-trained with truncated ES' },
    ...others,
  ];
  const metaTable = markdownTable(
    [
      'estimator',
      'full-run objective (initial → final)',
      'val loss after T',
      'val accuracy after T',
    ],
    runs.map((r) => {
      const first = r.history[0]!;
      const last = r.history.at(-1)!;
      return [
        r.label,
        `${formatNumber(first.evalLoss)} → ${formatNumber(last.evalLoss)}`,
        `${formatNumber(first.valLoss)} → ${formatNumber(last.valLoss)}`,
        `${formatNumber(first.valAccuracy)} → ${formatNumber(last.valAccuracy)}`,
      ];
    }),
  );
  const evaluationTable = markdownTable(
    ['optimizer', 'final train loss', 'final val loss', 'final val accuracy', 'diverged'],
    rows.map((r) => [
      r.name,
      formatMeanAndStd(r.finalTrainLoss),
      formatMeanAndStd(r.finalValLoss),
      formatMeanAndStd(r.finalValAccuracy),
      `${r.diverged}/${seeds}`,
    ]),
  );
  const note = `lopt-mnist (784-32-10 MLP, batch 32), T = ${horizon}, K = 10, N = ${particles}, σ = 0.01, outer Adam ${outerLr}, ${iterations} iterations per estimator (the same inner steps), seed ${seed}. The full-run objective is the sum over the T steps of a fresh network's held-out loss. Evaluation: ${seeds} fresh networks from seeds meta-training never drew, ${horizon} steps each.\n\n`;
  const table = `${note}Meta-training:\n\n${metaTable}\nEvaluation on fresh networks (mean ± std over seeds):\n\n${evaluationTable}`;
  writeFileAtomic(
    join(out, 'results.json'),
    `${JSON.stringify({ options, runs: runs.map(({ evaluation: _e, ...r }) => r), evaluation: rows }, null, 1)}\n`,
  );
  writeFileAtomic(join(out, 'table.md'), table);
  await writePlot(out, 'meta-training', metaTrainingPlot(runs));
  const curves = (r: (typeof runs)[0], name: string) => r.evaluation.curves[name]!;
  await writePlot(
    out,
    'evaluation',
    curvesPlot(
      [
        { name: rows[0]!.name, curves: curves(pes, OPTIMIZER_LABELS.learned) },
        { name: rows[1]!.name, curves: curves(tes, OPTIMIZER_LABELS.learned) },
        ...others.map((o) => ({ name: o.name, curves: curves(pes, o.name) })),
      ],
      'mnist-mlp',
    ),
  );
  io.out(`\n${table}`);
}

async function expectSuccess(runs: ChildRun[], statuses: number[]) {
  const failed = runs.filter((_, i) => statuses[i] !== 0);
  if (failed.length > 0)
    throw new UsageError(
      `runs failed: ${failed.map((r) => `${childDirectory(r)}/log.txt`).join(', ')}`,
    );
}

function metaTrainingPlot(runs: { label: string; history: HistoryPoint[] }[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title:
      'Learned optimizer on MNIST: full-run held-out loss of a fresh network during meta-training',
    width: 520,
    height: 320,
    data: {
      values: runs.flatMap((r) => r.history.map((h) => ({ ...h, estimator: r.label }))),
    },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'outer iteration' },
      y: {
        field: 'evalLoss',
        type: 'quantitative',
        title: 'sum of held-out losses over the T inner steps',
        scale: { type: 'log', nice: false },
      },
      color: { field: 'estimator', type: 'nominal', title: 'estimator' },
    },
  } as TopLevelSpec;
}
