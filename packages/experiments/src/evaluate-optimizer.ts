import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  defaultEvalEvery,
  evaluateLearnedOptimizer,
  DEFAULT_HORIZON_MULTIPLES,
  EVALUATION_TASKS,
  EvaluationProblemError,
  SUITES,
  SUITES_AT_MULTIPLES,
  suiteRow,
  taskProblem,
  type EvaluationProblem,
  type EvaluationTaskName,
  type RowFigures,
  type SuiteProblem,
} from '@pes/learned-opt';
import { recordCount } from '@pes/inner-problems';
import { recordedAdamGrid } from './adam-from.js';
import { runChildren, type ChildRun } from './children.js';
import { loadEvaluationProblem } from '@pes/learned-opt/node';
import {
  checkOptions,
  evaluatedWeights,
  type EvaluateOptimizerOptions,
  type Weights,
} from './evaluate-optimizer-options.js';
import {
  OPTIMIZER_LABELS,
  writeProblemFiles,
  writeSuiteSummary,
  type PooledRow,
} from './evaluation-files.js';
import { pooledSuite } from './pool-seeds.js';
import { formatMeanAndStd } from './methods.js';
import { selectBackend, UsageError, type Io } from '@pes/runner/node';

export type { EvaluateOptimizerOptions } from './evaluate-optimizer-options.js';

/** What the command writes to, and (for `--jobs`) the command line that starts this `pes`. */
export type EvaluateIo = Io & { readonly pes?: readonly string[] };

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
  // Adam's grid from an earlier evaluation of this very problem, checked before any training.
  const adamFrom =
    options.adamFrom === undefined
      ? undefined
      : recordedAdamGrid(options.adamFrom, {
          task: problem.task,
          dataset,
          arch,
          batchSize: problem.batch,
          steps: problem.steps,
          seeds,
          evalEvery,
          trainRecords: Math.min(problem.trainRecords, recordCount(data.train)),
          adamLearningRates: options.adamLrs,
          backend,
        });
  const trained = evaluateLearnedOptimizer(weights.theta, {
    ...network,
    data,
    batchSize: problem.batch,
    steps: problem.steps,
    evalEvery,
    seeds,
    trainRecords: problem.trainRecords,
    adamLearningRates: adamFrom ? [] : options.adamLrs,
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
  const comparison = adamFrom
    ? { ...trained, adamGrid: adamFrom.grid, bestAdam: adamFrom.best }
    : trained;
  if (adamFrom)
    for (const point of adamFrom.grid)
      io.out(
        `  ${`Adam ${point.learningRate}`.padEnd(30)} train ${formatMeanAndStd(point.finalTrainLoss)}  val ${formatMeanAndStd(point.finalValLoss)}  (read from ${options.adamFrom})`,
      );
  const record = {
    weights,
    problem,
    network: { description, ...(arch !== undefined ? { arch } : {}) },
    seeds,
    evalEvery,
    backend,
    adamLearningRates: options.adamLrs,
    label,
    ...(options.adamFrom !== undefined ? { adamFrom: resolve(options.adamFrom) } : {}),
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
  io: EvaluateIo,
): Promise<number> {
  const { weights: weightsName, out } = checkOptions(options);
  if (options.pool !== undefined) {
    const dirs = options.pool.split(',').map((d) => d.trim());
    const problems = options.problems?.split(',').map((p) => p.trim());
    const { rows, record } = pooledSuite(options.suite!, dirs, problems);
    await writeSuiteSummary(out, record, rows, io);
    return 0;
  }
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

/** One row of a suite: a problem at a multiple of its length, and the directory it writes. */
interface SuiteUnit {
  problem: SuiteProblem;
  multiple: number;
  dir: string;
}

/** The figures of a row as the problem's evaluation.json records them (writeProblemFiles). */
interface RecordedEvaluation {
  optimizers: (RowFigures & { name: string; perSeed: unknown[] })[];
  adamGrid: (RowFigures & { learningRate: number })[];
}

/**
 * Whether a unit's directory already holds the evaluation this run would make (`--reuse`): an
 * evaluation.json of the same weights (as named), problem, length, seeds, curve spacing, Adam
 * grid and backend. A suite stopped part-way, or extended to more problems or horizons, then
 * runs only what is missing.
 */
function sameEvaluation(unit: SuiteUnit, weights: Weights, options: EvaluateOptimizerOptions) {
  const file = join(unit.dir, 'evaluation.json');
  if (!existsSync(file)) return false;
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const seeds = Array.from({ length: options.seeds }, (_, s) => options.seed + s);
  const steps = unit.problem.steps * unit.multiple;
  const wanted: Record<string, unknown> = {
    weights: weights.source,
    normalized: weights.normalized,
    stepScale: weights.knobs.stepScale ?? 1,
    stepFeatureLimit: weights.knobs.stepFeatureLimit ?? null,
    task: unit.problem.task,
    // A problem without an arch of its own trains its task's (the autoencoder's), as recorded.
    arch: unit.problem.arch ?? taskArch(unit.problem.task),
    batchSize: unit.problem.batch,
    steps,
    seeds,
    evalEvery: options.evalEvery ?? defaultEvalEvery(steps),
    adamLearningRates: options.adamLrs,
  };
  return Object.entries(wanted).every(
    ([key, value]) => JSON.stringify(recorded[key]) === JSON.stringify(value),
  );
}

/** The layer sizes a task trains when its problem names none (none for conv nets and LSTMs). */
function taskArch(task: EvaluationTaskName): string | undefined {
  const spec = EVALUATION_TASKS[task];
  return 'arch' in spec ? spec.arch : undefined;
}

/** A unit's row, read from the evaluation.json its run wrote. */
function recordedRow(unit: SuiteUnit): PooledRow {
  const file = join(unit.dir, 'evaluation.json');
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as RecordedEvaluation;
  const learned = recorded.optimizers.find((o) => o.name === OPTIMIZER_LABELS.learned);
  if (!learned) throw new Error(`${file} has no learned optimizer`);
  return {
    ...suiteRow(unit.problem, learned, recorded.adamGrid, unit.multiple),
    seeds: learned.perSeed.length,
  };
}

/** The units of a suite run: each wanted problem at each multiple. */
function suiteUnits(
  suite: readonly SuiteProblem[],
  options: EvaluateOptimizerOptions,
  out: string,
): { units: SuiteUnit[]; multiples: readonly number[] | undefined } {
  const names = suite.map((p) => p.name);
  const wanted = options.problems?.split(',').map((p) => p.trim()) ?? names;
  for (const name of wanted)
    if (!names.includes(name))
      throw new UsageError(
        `--problems: '${name}' is not in suite ${options.suite} (${names.join(', ')})`,
      );
  const atMultiples = SUITES_AT_MULTIPLES.includes(options.suite!);
  if (!atMultiples && options.horizons !== undefined)
    throw new UsageError(
      `--horizons: suite ${options.suite} has fixed lengths; only ${SUITES_AT_MULTIPLES.join(', ')} runs at multiples`,
    );
  if (!atMultiples && options.horizon !== undefined)
    throw new UsageError(`--horizon: suite ${options.suite} has fixed lengths`);
  for (const [flag, value] of [
    ['--arch', options.arch],
    ['--batch', options.batch],
    ['--steps', options.steps],
  ] as const)
    if (value !== undefined)
      throw new UsageError(`${flag} is set by each problem of a suite; leave it out with --suite`);
  const multiples = atMultiples ? (options.horizons ?? DEFAULT_HORIZON_MULTIPLES) : [1];
  const units = suite
    .filter((p) => wanted.includes(p.name))
    .map((p) => (options.horizon === undefined ? p : { ...p, steps: options.horizon }))
    .flatMap((problem) =>
      multiples.map((multiple) => ({
        problem,
        multiple,
        dir: join(out, atMultiples ? `${problem.name}-${multiple}x` : problem.name),
      })),
    );
  return { units, multiples: atMultiples ? multiples : undefined };
}

/**
 * A suite: each problem at each horizon trained as `pes evaluate-optimizer` trains one problem,
 * into its own directory, in this process or (`--jobs`) as child processes, that many at a
 * time; then every row read back from its evaluation.json into summary.md and summary.json.
 */
async function evaluateSuite(
  suite: readonly SuiteProblem[],
  weights: Weights,
  options: EvaluateOptimizerOptions,
  out: string,
  io: EvaluateIo,
  backend: string,
): Promise<number> {
  const { units, multiples } = suiteUnits(suite, options, out);
  const steps = (u: SuiteUnit) => u.problem.steps * u.multiple;
  const reused = options.reuse ? units.filter((u) => sameEvaluation(u, weights, options)) : [];
  for (const u of reused) io.out(`pes: reusing ${u.dir}: its evaluation.json has these settings`);
  const pending = units.filter((u) => !reused.includes(u));
  const jobs = Math.min(options.jobs ?? 1, pending.length);
  // --adam-from names a suite's directory: each unit reads the unit of its own name there.
  const adamFromOf = (u: SuiteUnit) =>
    options.adamFrom === undefined ? undefined : join(options.adamFrom, basename(u.dir));
  // A suite mixes datasets: --data-dir is CIFAR-10's, and MNIST is the embedded copy.
  const dataDirOf = (u: SuiteUnit) =>
    EVALUATION_TASKS[u.problem.task].dataset === 'cifar10' ? options.dataDir : undefined;
  if (jobs > 1) {
    if (!io.pes) throw new UsageError('--jobs needs the pes command line to start its children');
    // The longest runs first, so the last to finish is a short one.
    const order = [...pending].sort((a, b) => steps(b) - steps(a));
    const runs: ChildRun[] = order.map((u) => ({
      command: 'evaluate-optimizer',
      options: {
        weights: options.weights!,
        task: u.problem.task,
        ...(u.problem.arch !== undefined ? { arch: u.problem.arch } : {}),
        batch: u.problem.batch,
        steps: steps(u),
        trainRecords: u.problem.trainRecords,
        seeds: options.seeds,
        seed: options.seed,
        adamLrs: options.adamLrs,
        ...(options.evalEvery !== undefined ? { evalEvery: options.evalEvery } : {}),
        ...(dataDirOf(u) !== undefined ? { dataDir: dataDirOf(u) } : {}),
        ...(options.untrained ? {} : { untrained: false }),
        ...(options.widthScale !== undefined ? { widthScale: options.widthScale } : {}),
        ...(options.depthScale !== undefined ? { depthScale: options.depthScale } : {}),
        ...(adamFromOf(u) !== undefined ? { adamFrom: adamFromOf(u) } : {}),
        out: u.dir,
      },
    }));
    io.out(`pes: ${runs.length} runs of suite ${options.suite}, ${jobs} child processes at a time`);
    const statuses = await runChildren(runs, jobs, io.pes, (i, status) =>
      io.out(
        `pes: ${basename(order[i]!.dir)} ${status === 0 ? 'done' : `failed (exit ${status}; ${join(order[i]!.dir, 'log.txt')})`}`,
      ),
    );
    const failed = statuses.filter((s) => s !== 0).length;
    if (failed > 0) {
      io.err(`pes: ${failed} of the suite's runs failed; their log.txt says why`);
      return 1;
    }
  } else {
    for (const u of pending) {
      const problem = { ...u.problem, steps: steps(u) };
      const label = multiples ? `${u.problem.name} @ ${u.multiple}×` : u.problem.name;
      const own = { ...options, dataDir: dataDirOf(u), adamFrom: adamFromOf(u) };
      await evaluateProblem(problem, weights, own, u.dir, io, backend, label);
    }
  }
  const rows = units.map(recordedRow);
  const record = {
    weights: weights.source,
    suite: options.suite,
    backend,
    seeds: options.seeds,
    adamLearningRates: options.adamLrs,
    ...(multiples ? { multiples } : {}),
    ...(weights.normalized?.widthScale ? { widthScale: weights.normalized.widthScale } : {}),
    ...(weights.normalized?.depthScale ? { depthScale: weights.normalized.depthScale } : {}),
  };
  await writeSuiteSummary(out, record, rows, io);
  return 0;
}
