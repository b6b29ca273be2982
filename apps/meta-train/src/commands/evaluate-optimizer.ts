import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { foldIn, makeKey, writeFileAtomic } from '@pes/core';
import {
  adamTensor,
  constantLearningRateRule,
  evaluationSet,
  loadImageData,
  parseArchitecture,
  trainNetwork,
  type CurvePoint,
  type DatasetName,
  type InnerUpdateRule,
} from '@pes/inner-problems';
import {
  initialLoptTheta,
  loadLearnedOptimizer,
  loptCifar10TaskSpec,
  loptMnistTaskSpec,
  mlpLearnedOptimizerRule,
} from '@pes/learned-opt';
import type { TopLevelSpec } from 'vega-lite';
import { selectBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { formatNumber, markdownTable } from '../experiments/methods.js';
import { writePlot } from '../plots.js';
import type { Io } from './meta-train.js';

/** The inner problems a learned optimizer can be evaluated on, with the run it was meta-trained in. */
const TASKS = {
  'mnist-mlp': { dataset: 'mnist', metaTask: loptMnistTaskSpec },
  'cifar10-mlp': { dataset: 'cifar10', metaTask: loptCifar10TaskSpec },
} as const satisfies Record<string, { dataset: DatasetName; metaTask: unknown }>;

/**
 * Evaluation networks and minibatches come from this key's stream, folded with the seed. Meta-
 * training draws every network from keys split off the run's seed key, a different stream: the
 * initialisations evaluated here were not seen in meta-training.
 */
const EVALUATION_KEY = makeKey(0x65_76_61_6c); // "eval"

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

interface Statistic {
  mean: number | null;
  std: number | null;
}

interface OptimizerResult {
  name: string;
  finalTrainLoss: Statistic;
  finalValLoss: Statistic;
  finalValAccuracy: Statistic;
  /** Seeds whose training loss became non-finite (their figures are left out). */
  diverged: number;
  perSeed: { seed: number; final: CurvePoint; divergedAt?: number }[];
  curves: CurvePoint[][];
}

/** Mean and sample standard deviation of the finite values; null where there are none. */
function statistic(values: number[]): Statistic {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return { mean: null, std: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std =
    xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std };
}

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
  const defaults = task.metaTask.defaults;
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

  const untrained = initialLoptTheta();
  const optimizers: { name: string; rule: InnerUpdateRule; theta: Float64Array }[] = [
    { name: 'learned optimizer', rule: mlpLearnedOptimizerRule(learned), theta: learned },
    {
      name: 'learned optimizer, untrained',
      rule: mlpLearnedOptimizerRule(untrained),
      theta: untrained,
    },
    ...options.adamLrs.map((lr) => {
      const rule = constantLearningRateRule(adamTensor(), lr);
      return { name: `Adam ${lr}`, rule, theta: rule.initialTheta() };
    }),
  ];
  // Normalised once, on the device, for every run and curve point.
  const sets = {
    train: evaluationSet(data.train, options.trainRecords),
    validation: evaluationSet(data.validation),
  };
  const results: OptimizerResult[] = [];
  try {
    for (const optimizer of optimizers) results.push(evaluateOne(optimizer));
  } finally {
    sets.train.dispose();
    sets.validation.dispose();
  }

  function evaluateOne(optimizer: (typeof optimizers)[number]): OptimizerResult {
    const started = performance.now();
    const runs = Array.from({ length: options.seeds }, (_, s) => {
      const seed = options.seed + s;
      const r = trainNetwork({
        data,
        architecture,
        activation: 'relu',
        batchSize,
        steps,
        optimizer: optimizer.rule.optimizer(optimizer.theta),
        key: foldIn(EVALUATION_KEY, seed),
        evalEvery,
        evaluation: sets,
      });
      return { seed, ...r };
    });
    const finals = runs.filter((r) => r.divergedAt === undefined).map((r) => r.final);
    const result: OptimizerResult = {
      name: optimizer.name,
      finalTrainLoss: statistic(finals.map((f) => f.trainLoss)),
      finalValLoss: statistic(finals.map((f) => f.valLoss)),
      finalValAccuracy: statistic(finals.map((f) => f.valAccuracy)),
      diverged: runs.length - finals.length,
      perSeed: runs.map((r) => ({
        seed: r.seed,
        final: r.final,
        ...(r.divergedAt !== undefined ? { divergedAt: r.divergedAt } : {}),
      })),
      curves: runs.map((r) => r.curve),
    };
    io.out(
      `  ${optimizer.name.padEnd(30)} train ${show(result.finalTrainLoss)}  val ${show(result.finalValLoss)}  accuracy ${show(result.finalValAccuracy)}${result.diverged ? `  (${result.diverged} diverged)` : ''}  ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return result;
  }

  // The best Adam: lowest mean final validation loss among learning rates that never diverged.
  const adam = results.slice(2);
  const best = adam
    .filter((r) => r.diverged === 0 && r.finalValLoss.mean !== null)
    .sort((a, b) => a.finalValLoss.mean! - b.finalValLoss.mean!)[0];
  const chosen = [
    results[0]!,
    results[1]!,
    ...(best ? [{ ...best, name: `${best.name} (best of grid)` }] : []),
  ];
  const summary = (r: OptimizerResult) => ({
    name: r.name,
    finalTrainLoss: r.finalTrainLoss,
    finalValLoss: r.finalValLoss,
    finalValAccuracy: r.finalValAccuracy,
    diverged: r.diverged,
    perSeed: r.perSeed,
  });
  const table = markdownTable(
    ['optimizer', 'final train loss', 'final val loss', 'final val accuracy', 'diverged'],
    [...chosen, ...adam.filter((r) => r !== best)].map((r) => [
      r.name,
      show(r.finalTrainLoss),
      show(r.finalValLoss),
      show(r.finalValAccuracy),
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
    seeds: Array.from({ length: options.seeds }, (_, s) => options.seed + s),
    evalEvery,
    trainRecords: sets.train.records,
    validationRecords: sets.validation.records,
    backend,
    selection:
      'best Adam = lowest mean final validation loss over the grid, diverged rates excluded',
    adamLearningRates: options.adamLrs,
    optimizers: chosen.map(summary),
    adamGrid: adam.map((r) => ({ ...summary(r), best: r === best })),
    curves: Object.fromEntries(chosen.map((r) => [r.name, r.curves])),
  };
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, 'evaluation.json'), `${JSON.stringify(evaluation, null, 1)}\n`);
  writeFileAtomic(join(out, 'table.md'), table);
  const plots = await writePlot(out, 'loss-curves', curvesPlot(chosen, options.task));
  io.out(`\n${table}`);
  io.out(
    `pes: wrote ${join(out, 'evaluation.json')}, table.md, ${plots.map((p) => p.split('/').at(-1)).join(', ')}`,
  );
  return 0;
}

function show(s: Statistic): string {
  return s.mean === null ? 'n/a' : `${formatNumber(s.mean)} ± ${formatNumber(s.std!)}`;
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
