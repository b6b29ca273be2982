import { join } from 'node:path';
import {
  defaultEvalEvery,
  evaluateLearnedOptimizer,
  EVALUATION_TASKS,
  EvaluationProblemError,
  SUITES,
  suiteRow,
  taskProblem,
  type EvaluationProblem,
  type EvaluationTaskName,
  type SuiteProblem,
} from '@pes/learned-opt';
import { loadEvaluationProblem } from '@pes/learned-opt/node';
import {
  checkOptions,
  evaluatedWeights,
  type EvaluateOptimizerOptions,
  type Weights,
} from './evaluate-optimizer-options.js';
import { OPTIMIZER_LABELS, writeProblemFiles, writeSuiteSummary } from './evaluation-files.js';
import { formatMeanAndStd } from './methods.js';
import { selectBackend, UsageError, type Io } from '@pes/runner/node';

export type { EvaluateOptimizerOptions } from './evaluate-optimizer-options.js';

/** A problem's data and network, with a network that does not fit as a usage error. */
function loadProblem(problem: EvaluationProblem, dataDir: string | undefined) {
  try {
    return loadEvaluationProblem(problem, dataDir);
  } catch (error) {
    // Its message names the problem's field first: here, the flag it came from.
    if (error instanceof EvaluationProblemError) throw new UsageError(`--${error.message}`);
    throw error;
  }
}

/**
 * Trains one problem's fresh networks with every optimizer and writes evaluation.json,
 * table.md and the loss curves into `out`; returns the comparison.
 */
async function evaluateProblem(
  problem: EvaluationProblem,
  weights: Weights,
  options: EvaluateOptimizerOptions,
  out: string,
  io: Io,
  backend: string,
  label: string,
) {
  const { data, network: problemNetwork } = loadProblem(problem, options.dataDir);
  const { description, arch, ...network } = problemNetwork;
  const evalEvery = options.evalEvery ?? defaultEvalEvery(problem.steps);
  const { dataset } = EVALUATION_TASKS[problem.task];
  io.out(
    `pes: evaluating ${weights.source} on ${label}: ${dataset}, ${description}, batch ${problem.batch}, ${problem.steps} steps, ${options.seeds} seeds, ${backend} backend`,
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
    ...(weights.normalized ? { normalized: weights.normalized } : {}),
    untrained: options.untrained,
    onEvaluated: (result, which) => {
      const name =
        'name' in which ? OPTIMIZER_LABELS[which.name] : `Adam ${which.adamLearningRate}`;
      io.out(
        `  ${name.padEnd(30)} train ${formatMeanAndStd(result.finalTrainLoss)}  val ${formatMeanAndStd(result.finalValLoss)}  accuracy ${formatMeanAndStd(result.finalValAccuracy)}${result.diverged ? `  (${result.diverged} diverged)` : ''}  ${result.seconds.toFixed(1)} s`,
      );
    },
  });
  const record = {
    weights,
    problem,
    network: { description, ...(arch !== undefined ? { arch } : {}) },
    seeds,
    evalEvery,
    backend,
    adamLearningRates: options.adamLrs,
    label,
  };
  await writeProblemFiles(out, record, comparison, io);
  return comparison;
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
  const weights = evaluatedWeights(weightsName, options);
  const backend = await selectBackend();
  if (options.suite === undefined) {
    const task = options.task as EvaluationTaskName;
    const problem = taskProblem(task, {
      ...(options.arch !== undefined ? { arch: options.arch } : {}),
      ...(options.batch !== undefined ? { batch: options.batch } : {}),
      ...(options.steps !== undefined ? { steps: options.steps } : {}),
      trainRecords: options.trainRecords,
    });
    await evaluateProblem(problem, weights, options, out, io, backend, task);
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
    const comparison = await evaluateProblem(
      problem,
      weights,
      options,
      join(out, problem.name),
      io,
      backend,
      problem.name,
    );
    rows.push(suiteRow(problem, comparison.optimizers.learned, comparison.adamGrid));
  }
  const record = {
    weights: weights.source,
    suite: options.suite,
    backend,
    seeds: options.seeds,
    adamLearningRates: options.adamLrs,
  };
  writeSuiteSummary(out, record, rows, io);
  return 0;
}
