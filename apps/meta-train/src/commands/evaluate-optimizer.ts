import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';
import {
  BEST_ADAM_SELECTION,
  bestByFinalTrainingLoss,
  convNetwork,
  parseArchitecture,
  type CurvePoint,
  type ImageData,
  type NetworkChoice,
  type OptimizerEvaluation,
} from '@pes/inner-problems';
import { loadImageData } from '@pes/inner-problems/node';
import { loadLearnedOptimizerWeights } from '@pes/learned-opt/node';
import {
  evaluateLearnedOptimizer,
  FAMILY_WEIGHTS,
  stepKnobsFromWeights,
  thetaFromWeights,
  type LearnedOptimizerRole,
  type StepKnobs,
} from '@pes/learned-opt';
import type { TopLevelSpec } from 'vega-lite';
import { selectBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { formatMeanAndStd, formatNumber, markdownTable } from '../experiments/methods.js';
import { writePlot } from '../plots.js';
import {
  EVALUATION_TASKS,
  SUITES,
  WITHIN_FACTOR,
  type EvaluationTaskName,
  type SuiteProblem,
} from './evaluation-problems.js';
import type { Io } from './meta-train.js';

/** How the files name the two learned optimizers. */
export const OPTIMIZER_LABELS: Record<LearnedOptimizerRole, string> = {
  learned: 'learned optimizer',
  untrained: 'learned optimizer, untrained',
};

/** `--weights shipped`: the family-trained weights inside @pes/learned-opt. */
const SHIPPED = 'shipped';

export interface EvaluateOptimizerOptions {
  weights?: string;
  task: string;
  /** A suite of problems (evaluation-problems.ts) instead of one task. */
  suite?: string;
  /** The suite's problems to run, comma-separated (default: all). */
  problems?: string;
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
  /** Whether the learned optimizer's untrained start is trained too (`--no-untrained`). */
  untrained: boolean;
  /** Multiplies the learned optimizer's steps (its `stepScale` knob); default 1. */
  stepScale?: number;
  /** Replaces the weights' step-feature limit: a step count, or 'none' (never held). */
  stepFeatureLimit?: string;
}

/** An evaluated optimizer under the name the table, evaluation.json and the plot give it. */
type Row = OptimizerEvaluation & { name: string };

/** The learned optimizer evaluated: θ, the knobs its weights record, and where it came from. */
interface Weights {
  source: string;
  theta: Float64Array;
  knobs: StepKnobs;
}

function loadWeights(weights: string): Weights {
  if (weights === SHIPPED) {
    const source = 'the shipped family-trained weights';
    return {
      source,
      theta: thetaFromWeights(FAMILY_WEIGHTS, source),
      knobs: stepKnobsFromWeights(FAMILY_WEIGHTS, source),
    };
  }
  return { source: resolve(weights), ...loadLearnedOptimizerWeights(weights) };
}

function checkOptions(options: EvaluateOptimizerOptions) {
  if (!options.weights)
    throw new UsageError(
      `--weights FILE is required: a learned-optimizer.json from meta-train, or '${SHIPPED}'`,
    );
  if (!options.out)
    throw new UsageError('--out DIR is required: evaluation.json, table.md and the plot go there');
  if (options.suite !== undefined && !(options.suite in SUITES))
    throw new UsageError(
      `unknown suite '${options.suite}'; known suites: ${Object.keys(SUITES).join(', ')}`,
    );
  if (options.suite === undefined && !(options.task in EVALUATION_TASKS)) {
    throw new UsageError(
      `unknown task '${options.task}'; evaluate-optimizer trains ${Object.keys(EVALUATION_TASKS).join(', ')}`,
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
  if (
    options.stepScale !== undefined &&
    !(options.stepScale > 0 && Number.isFinite(options.stepScale))
  )
    throw new UsageError(`--step-scale must be a positive number, got ${options.stepScale}`);
  const limit = options.stepFeatureLimit;
  if (limit !== undefined && limit !== 'none' && !(Number(limit) >= 1))
    throw new UsageError(`--step-feature-limit must be a step count ≥ 1 or 'none', got ${limit}`);
  const out = resolve(options.out);
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new UsageError(`--out ${options.out} is a file, not a directory`);
  return { weights: options.weights, out };
}

/** One problem to train: a task at a network size, batch, length and training-loss sample. */
interface Problem {
  task: EvaluationTaskName;
  arch?: string;
  batch: number;
  steps: number;
  trainRecords: number;
}

/** The network of a problem, checked against its data. */
function networkOf(
  problem: Problem,
  data: ImageData,
): NetworkChoice & { description: string; arch?: string } {
  const task = EVALUATION_TASKS[problem.task];
  const features = data.train.features;
  const classes = data.train.classNames.length;
  if (task.network === 'conv') {
    if (problem.arch !== undefined)
      throw new UsageError(`--arch sets an MLP's layers; ${problem.task} is a conv net`);
    const channels = features / data.train.channelSize;
    const network = convNetwork({ size: Math.sqrt(data.train.channelSize), channels, classes });
    return { network, description: network.description };
  }
  const arch = problem.arch ?? task.arch;
  let architecture: readonly number[];
  try {
    architecture = parseArchitecture(arch);
  } catch (error) {
    throw new UsageError(`--arch: ${(error as Error).message}`);
  }
  if (architecture[0] !== features || architecture.at(-1) !== classes)
    throw new UsageError(
      `--arch ${arch} does not fit ${task.dataset}: it needs ${features} inputs and ${classes} outputs`,
    );
  return { architecture, activation: 'relu', description: `${arch} relu MLP`, arch };
}

/** What one problem's evaluation gives the suite's summary. */
interface ProblemSummary {
  learned: Row;
  /** The grid's lowest mean final training loss (diverged rates excluded), and its rate. */
  tunedAdam: (Row & { learningRate: number }) | undefined;
}

/**
 * Trains one problem's fresh networks with every optimizer and writes evaluation.json,
 * table.md and the loss curves into `out`.
 */
async function evaluateProblem(
  problem: Problem,
  weights: Weights,
  options: EvaluateOptimizerOptions,
  out: string,
  io: Io,
  backend: string,
  label: string,
): Promise<ProblemSummary> {
  const task = EVALUATION_TASKS[problem.task];
  const data = loadImageData({
    dataset: task.dataset,
    ...(options.dataDir ? { dir: options.dataDir } : {}),
  });
  const { description, arch, ...network } = networkOf(problem, data);
  const evalEvery = options.evalEvery ?? Math.max(1, Math.round(problem.steps / 20));
  io.out(
    `pes: evaluating ${weights.source} on ${label}: ${task.dataset}, ${description}, batch ${problem.batch}, ${problem.steps} steps, ${options.seeds} seeds, ${backend} backend`,
  );
  const seeds = Array.from({ length: options.seeds }, (_, s) => options.seed + s);
  const comparison = evaluateLearnedOptimizer(weights.theta, {
    ...network,
    data,
    batchSize: problem.batch,
    steps: problem.steps,
    evalEvery,
    seeds,
    trainRecords: problem.trainRecords,
    adamLearningRates: options.adamLrs,
    knobs: weights.knobs,
    untrained: options.untrained,
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
  const learned = { ...comparison.optimizers.learned, name: OPTIMIZER_LABELS.learned };
  const chosen: Row[] = [
    learned,
    ...(comparison.optimizers.untrained
      ? [{ ...comparison.optimizers.untrained, name: OPTIMIZER_LABELS.untrained }]
      : []),
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
    weights: weights.source,
    stepFeatureLimit: weights.knobs.stepFeatureLimit ?? null,
    stepScale: weights.knobs.stepScale ?? 1,
    task: problem.task,
    dataset: task.dataset,
    network: description,
    ...(arch !== undefined ? { arch } : {}),
    batchSize: problem.batch,
    steps: problem.steps,
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
  io.out(`\n${table}`);
  const tunedAdam = bestByFinalTrainingLoss(adam);
  const plots = await writePlot(
    out,
    'loss-curves',
    curvesPlot(
      chosen.map((r) => ({ name: r.name, curves: r.runs.map((run) => run.curve) })),
      label,
    ),
  );
  io.out(
    `pes: wrote ${join(out, 'evaluation.json')}, table.md, ${plots.map((p) => p.split('/').at(-1)).join(', ')}`,
  );
  return { learned, tunedAdam };
}

/**
 * `pes evaluate-optimizer`: trains fresh networks from seeds meta-training never drew, with the
 * learned optimizer, with its untrained initialisation and with Adam over a grid of learning
 * rates, all on the same initial networks and minibatches per seed; writes evaluation.json,
 * table.md and a plot of the loss curves with their spread across seeds. With `--suite`, each
 * problem of the suite goes into its own directory under `--out`, and summary.md / summary.json
 * set the learned optimizer's final training loss against the tuned Adam's on each.
 */
export async function evaluateOptimizer(
  options: EvaluateOptimizerOptions,
  io: Io,
): Promise<number> {
  const { weights: weightsName, out } = checkOptions(options);
  const loaded = loadWeights(weightsName);
  const knobs = { ...loaded.knobs };
  if (options.stepScale !== undefined) knobs.stepScale = options.stepScale;
  if (options.stepFeatureLimit === 'none') delete knobs.stepFeatureLimit;
  else if (options.stepFeatureLimit !== undefined)
    knobs.stepFeatureLimit = Number(options.stepFeatureLimit);
  const weights = { ...loaded, knobs };
  const backend = await selectBackend();
  if (options.suite === undefined) {
    const task = options.task as EvaluationTaskName;
    await evaluateProblem(
      {
        task,
        ...(options.arch !== undefined ? { arch: options.arch } : {}),
        batch: options.batch ?? 32,
        steps: options.steps ?? 200,
        trainRecords: options.trainRecords,
      },
      weights,
      options,
      out,
      io,
      backend,
      task,
    );
    return 0;
  }
  return evaluateSuite(SUITES[options.suite]!, weights, options, out, io, backend);
}

async function evaluateSuite(
  suite: readonly SuiteProblem[],
  weights: Weights,
  options: EvaluateOptimizerOptions,
  out: string,
  io: Io,
  backend: string,
): Promise<number> {
  const names = suite.map((p) => p.name);
  const wanted = options.problems?.split(',').map((p) => p.trim()) ?? names;
  for (const name of wanted)
    if (!names.includes(name))
      throw new UsageError(
        `--problems: '${name}' is not in suite ${options.suite} (${names.join(', ')})`,
      );
  for (const [flag, value] of [
    ['--arch', options.arch],
    ['--batch', options.batch],
    ['--steps', options.steps],
  ] as const)
    if (value !== undefined)
      throw new UsageError(`${flag} is set by each problem of a suite; leave it out with --suite`);
  const rows = [];
  for (const problem of suite.filter((p) => wanted.includes(p.name))) {
    const { learned, tunedAdam } = await evaluateProblem(
      problem,
      weights,
      options,
      join(out, problem.name),
      io,
      backend,
      problem.name,
    );
    const ratio =
      tunedAdam && learned.finalTrainLoss.mean !== null && learned.diverged === 0
        ? learned.finalTrainLoss.mean / tunedAdam.finalTrainLoss.mean!
        : null;
    rows.push({
      problem: problem.name,
      heldOut: problem.heldOut,
      learned: learned.finalTrainLoss,
      learnedAccuracy: learned.finalValAccuracy,
      learnedDiverged: learned.diverged,
      tunedAdamLearningRate: tunedAdam?.learningRate ?? null,
      tunedAdam: tunedAdam?.finalTrainLoss ?? null,
      tunedAdamAccuracy: tunedAdam?.finalValAccuracy ?? null,
      ratio,
      within: ratio !== null && ratio <= WITHIN_FACTOR,
    });
  }
  const table = markdownTable(
    [
      'problem',
      'held out',
      'learned: final train loss',
      'tuned Adam: final train loss',
      'ratio',
      `within ${WITHIN_FACTOR}×`,
      'learned: val accuracy',
      'tuned Adam: val accuracy',
    ],
    rows.map((r) => [
      r.problem,
      r.heldOut,
      `${formatMeanAndStd(r.learned)}${r.learnedDiverged ? ` (${r.learnedDiverged} diverged)` : ''}`,
      r.tunedAdam ? `${formatMeanAndStd(r.tunedAdam)} (lr ${r.tunedAdamLearningRate})` : 'n/a',
      r.ratio === null ? 'n/a' : formatNumber(r.ratio),
      r.within ? 'yes' : '**no**',
      formatMeanAndStd(r.learnedAccuracy),
      r.tunedAdamAccuracy ? formatMeanAndStd(r.tunedAdamAccuracy) : 'n/a',
    ]),
  );
  const misses = rows.filter((r) => !r.within).map((r) => r.problem);
  const verdict =
    misses.length === 0
      ? `The learned optimizer's final training loss is within ${WITHIN_FACTOR}× of the tuned Adam's on every problem.`
      : `Not within ${WITHIN_FACTOR}× of the tuned Adam's final training loss on: ${misses.join(', ')}.`;
  const tuned =
    'tuned Adam = the grid point with the lowest mean final training loss, diverged rates excluded';
  mkdirSync(out, { recursive: true });
  writeFileAtomic(
    join(out, 'summary.json'),
    `${JSON.stringify({ weights: weights.source, suite: options.suite, backend, seeds: options.seeds, adamLearningRates: options.adamLrs, tuned, rows, verdict }, null, 1)}\n`,
  );
  writeFileAtomic(
    join(out, 'summary.md'),
    `${table}\n${options.seeds} seeds per optimizer; ${tuned} (${options.adamLrs.join(', ')}).\n\n${verdict}\n`,
  );
  io.out(`\n${table}\n${verdict}`);
  io.out(`pes: wrote ${join(out, 'summary.md')}, summary.json and one directory per problem`);
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
