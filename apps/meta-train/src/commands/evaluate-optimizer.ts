import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';
import {
  BEST_ADAM_SELECTION,
  parseArchitecture,
  type CurvePoint,
  type OptimizerEvaluation,
} from '@pes/inner-problems';
import { loadImageData, type DatasetName } from '@pes/inner-problems/node';
import {
  loadLearnedOptimizer,
  loptCifar10TaskSpec,
  loptMnistTaskSpec,
} from '@pes/learned-opt/node';
import { evaluateLearnedOptimizer, type LearnedOptimizerRole } from '@pes/learned-opt';
import type { TopLevelSpec } from 'vega-lite';
import type { LoptTaskOptions } from '@pes/learned-opt/tasks';
import { selectBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { formatMeanAndStd, markdownTable } from '../experiments/methods.js';
import { writePlot } from '../plots.js';
import type { Io } from './meta-train.js';

/** The inner problems a learned optimizer can be evaluated on, with the run it was meta-trained in. */
const TASKS = {
  'mnist-mlp': { dataset: 'mnist', metaTask: loptMnistTaskSpec },
  'cifar10-mlp': { dataset: 'cifar10', metaTask: loptCifar10TaskSpec },
} as const satisfies Record<string, { dataset: DatasetName; metaTask: unknown }>;

/** How the files name the two learned optimizers. */
export const OPTIMIZER_LABELS: Record<LearnedOptimizerRole, string> = {
  learned: 'learned optimizer',
  untrained: 'learned optimizer, untrained',
};

export interface EvaluateOptimizerOptions {
  weights?: string;
  task: string;
  out?: string;
  steps?: number;
  seeds: number;
  seed: number;
  arch?: string;
  batch?: number;
  dataDir?: string;
  adamLrs: number[];
  evalEvery?: number;
  trainRecords: number;
}

/** An evaluated optimizer under the name the table, evaluation.json and the plot give it. */
type Row = OptimizerEvaluation & { name: string };

function checkOptions(options: EvaluateOptimizerOptions) {
  if (!options.weights)
    throw new UsageError('--weights FILE is required: a learned-optimizer.json from meta-train');
  if (!options.out)
    throw new UsageError('--out DIR is required: evaluation.json, table.md and the plot go there');
  if (!(options.task in TASKS)) {
    throw new UsageError(
      `unknown task '${options.task}'; evaluate-optimizer trains ${Object.keys(TASKS).join(' or ')}`,
    );
  }
  const positive = (flag: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  };
  positive('--steps', options.steps);
  positive('--seeds', options.seeds);
  positive('--batch', options.batch);
  positive('--eval-every', options.evalEvery);
  positive('--train-records', options.trainRecords);
  if (!Number.isInteger(options.seed) || options.seed < 0)
    throw new UsageError(`--seed must be a non-negative integer, got ${options.seed}`);
  if (options.adamLrs.length === 0 || !options.adamLrs.every((lr) => lr > 0 && Number.isFinite(lr)))
    throw new UsageError(
      `--adam-lrs must be positive numbers separated by commas, got ${options.adamLrs.join(',')}`,
    );
  const out = resolve(options.out);
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new UsageError(`--out ${options.out} is a file, not a directory`);
  return { weights: options.weights, out, task: TASKS[options.task as keyof typeof TASKS] };
}

/**
 * `pes evaluate-optimizer`: trains fresh networks from seeds meta-training never drew, with the
 * learned optimizer, with its untrained initialisation and with Adam over a grid of learning
 * rates, all on the same initial networks and minibatches per seed; writes evaluation.json,
 * table.md and a plot of the loss curves with their spread across seeds.
 */
export async function evaluateOptimizer(
  options: EvaluateOptimizerOptions,
  io: Io,
): Promise<number> {
  const { weights, out, task } = checkOptions(options);
  const learned = loadLearnedOptimizer(weights);
  const defaults = task.metaTask.defaults as LoptTaskOptions;
  const arch = options.arch ?? defaults.arch!;
  let architecture: readonly number[];
  try {
    architecture = parseArchitecture(arch);
  } catch (error) {
    throw new UsageError(`--arch: ${(error as Error).message}`);
  }
  const steps = options.steps ?? defaults.horizon!;
  const batchSize = options.batch ?? defaults.batchSize!;
  const evalEvery = options.evalEvery ?? Math.max(1, Math.round(steps / 20));
  const data = loadImageData({
    dataset: task.dataset,
    ...(options.dataDir ? { dir: options.dataDir } : {}),
  });
  if (
    architecture[0] !== data.train.features ||
    architecture.at(-1) !== data.train.classNames.length
  )
    throw new UsageError(
      `--arch ${arch} does not fit ${task.dataset}: it needs ${data.train.features} inputs and ${data.train.classNames.length} outputs`,
    );
  const backend = await selectBackend();
  io.out(
    `pes: evaluating ${weights} on ${options.task} (${arch}, batch ${batchSize}, ${steps} steps, ${options.seeds} seeds) with the ${backend} backend`,
  );

  const seeds = Array.from({ length: options.seeds }, (_, s) => options.seed + s);
  const comparison = evaluateLearnedOptimizer(learned, {
    data,
    architecture,
    activation: 'relu',
    batchSize,
    steps,
    evalEvery,
    seeds,
    trainRecords: options.trainRecords,
    adamLearningRates: options.adamLrs,
    onEvaluated: (result, which) => {
      const name =
        'name' in which ? OPTIMIZER_LABELS[which.name] : `Adam ${which.adamLearningRate}`;
      io.out(
        `  ${name.padEnd(30)} train ${formatMeanAndStd(result.finalTrainLoss)}  val ${formatMeanAndStd(result.finalValLoss)}  accuracy ${formatMeanAndStd(result.finalValAccuracy)}${result.diverged ? `  (${result.diverged} diverged)` : ''}  ${result.seconds.toFixed(1)} s`,
      );
    },
  });
  const adam = comparison.adamGrid.map((point) => ({
    ...point,
    name: `Adam ${point.learningRate}`,
    best: point === comparison.bestAdam,
  }));
  const best = adam.find((r) => r.best);
  const chosen: Row[] = [
    { ...comparison.optimizers.learned, name: OPTIMIZER_LABELS.learned },
    { ...comparison.optimizers.untrained, name: OPTIMIZER_LABELS.untrained },
    ...(best ? [{ ...best, name: `${best.name} (best of grid)` }] : []),
  ];
  const summary = (r: Row) => ({
    name: r.name,
    finalTrainLoss: r.finalTrainLoss,
    finalValLoss: r.finalValLoss,
    finalValAccuracy: r.finalValAccuracy,
    diverged: r.diverged,
    perSeed: r.runs.map((run) => ({
      seed: run.seed,
      final: run.final,
      ...(run.divergedAt !== undefined ? { divergedAt: run.divergedAt } : {}),
    })),
  });
  const table = markdownTable(
    ['optimizer', 'final train loss', 'final val loss', 'final val accuracy', 'diverged'],
    [...chosen, ...adam.filter((r) => r !== best)].map((r) => [
      r.name,
      formatMeanAndStd(r.finalTrainLoss),
      formatMeanAndStd(r.finalValLoss),
      formatMeanAndStd(r.finalValAccuracy),
      `${r.diverged}/${options.seeds}`,
    ]),
  );
  const evaluation = {
    weights: resolve(weights),
    task: options.task,
    dataset: task.dataset,
    arch,
    batchSize,
    steps,
    seeds,
    evalEvery,
    trainRecords: comparison.trainRecords,
    validationRecords: comparison.validationRecords,
    backend,
    selection: BEST_ADAM_SELECTION,
    adamLearningRates: options.adamLrs,
    optimizers: chosen.map(summary),
    adamGrid: adam.map((r) => ({ ...summary(r), best: r.best })),
    curves: Object.fromEntries(chosen.map((r) => [r.name, r.runs.map((run) => run.curve)])),
  };
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, 'evaluation.json'), `${JSON.stringify(evaluation, null, 1)}\n`);
  writeFileAtomic(join(out, 'table.md'), table);
  const plots = await writePlot(
    out,
    'loss-curves',
    curvesPlot(
      chosen.map((r) => ({ name: r.name, curves: r.runs.map((run) => run.curve) })),
      options.task,
    ),
  );
  io.out(`\n${table}`);
  io.out(
    `pes: wrote ${join(out, 'evaluation.json')}, table.md, ${plots.map((p) => p.split('/').at(-1)).join(', ')}`,
  );
  return 0;
}

/** Training and validation loss against inner step: mean line, band from the lowest to the highest seed. */
export function curvesPlot(
  results: { name: string; curves: CurvePoint[][] }[],
  task: string,
): TopLevelSpec {
  const values = results.flatMap((r) =>
    r.curves.flatMap((curve, seed) =>
      curve.flatMap((p) => [
        { optimizer: r.name, seed, step: p.step, split: 'training', loss: p.trainLoss },
        { optimizer: r.name, seed, step: p.step, split: 'validation', loss: p.valLoss },
      ]),
    ),
  );
  // A log axis: an optimizer that diverges and one that trains well fit in one plot. The band
  // is the range over seeds (min to max), which stays positive on a log axis where mean ± std
  // need not.
  const loss = { type: 'quantitative', scale: { type: 'log' } };
  const panel = (split: string) => ({
    title: `${split} loss`,
    width: 360,
    height: 280,
    transform: [
      { filter: `datum.split === '${split}' && isFinite(datum.loss) && datum.loss > 0` },
      {
        aggregate: [
          { op: 'mean', field: 'loss', as: 'mean' },
          { op: 'min', field: 'loss', as: 'min' },
          { op: 'max', field: 'loss', as: 'max' },
        ],
        groupby: ['optimizer', 'step'],
      },
    ],
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'inner step' },
      color: { field: 'optimizer', type: 'nominal', title: 'optimizer' },
    },
    layer: [
      {
        mark: { type: 'area', opacity: 0.25 },
        encoding: { y: { field: 'min', ...loss }, y2: { field: 'max' } },
      },
      {
        mark: { type: 'line' },
        encoding: {
          y: { field: 'mean', ...loss, title: 'loss: mean over seeds, band = min to max' },
        },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Fresh ${task} networks trained by each optimizer (seeds unseen in meta-training)`,
      offset: 16,
    },
    config: { legend: { labelLimit: 600 } },
    data: { values },
    hconcat: [panel('training'), panel('validation')],
  } as unknown as TopLevelSpec;
}
