import {
  runMetaTraining,
  type IterationRecord,
  type MetaTrainer,
  type MetaTrainState,
  type RunSettings,
} from '@pes/core';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '@pes/core/node';
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { EXIT_INTERRUPTED, UsageError } from '../errors.js';
import { assertSameSettings, checkedFirstStep } from './meta-train-checkpoint.js';
import { metricsLine, result, summary } from './meta-train-output.js';
import { PLACEMENT_FLAGS, placement, sayWorkers, type PlacementFlags } from './placement.js';
import {
  type Io,
  resolveRun,
  type ResolvedRun,
  type RunConfig,
  flagOf,
  assertRunFits,
  RunDirectory,
  checkpointContentsSchema,
  parseStored,
  buildRun,
  prepareBackend,
  progressBar,
  progressReporter,
} from '@pes/runner/node';

export type MetaTrainFlags = Partial<RunSettings> &
  Record<string, unknown> &
  PlacementFlags & {
    task?: string;
    out?: string;
    resume?: string;
    overwrite?: boolean;
    config?: string;
    printConfig?: boolean;
  };

/** What a checkpoint file holds: the settings it was made under and the trainer's state. */
interface CheckpointContents {
  config: RunConfig;
  trainer: unknown;
}

export async function metaTrain(
  flags: MetaTrainFlags,
  given: Set<string>,
  io: Io,
): Promise<number> {
  if (flags.resume !== undefined) return resume(flags, given, io);
  if (!flags.task) throw new UsageError('--task is required (pes list names the tasks)');
  const {
    out,
    resume: _r,
    overwrite,
    config: _c,
    printConfig,
    workers: _w,
    isolation: _i,
    redis: _redis,
    secretFile: _s,
    lease: _l,
    wait: _wt,
    ...overrides
  } = flags;
  // Resolved once: from here on every stage is handed the run, never looks the task up again.
  const resolved = resolveRun({ ...overrides, task: flags.task });
  if (printConfig) {
    io.out(
      `# pes meta-train --config FILE: every setting of a ${resolved.config.task} run (flags override)`,
    );
    const { stringify } = await import('yaml');
    io.out(stringify(resolved.config).trimEnd());
    return 0;
  }
  assertRunFits(resolved);
  // The task, the tensor backend and the reports load only once the settings are known good.
  const planned = await prepareBackend(resolved, io.out);
  const { config } = planned;
  // every setting is checked before anything is written
  const { task, trainer } = await buildRun(planned, await placement(flags, given, planned, io));
  sayWorkers(task, io);
  const run = new RunDirectory(out ?? defaultRunDirectory(config));
  try {
    // The directory is this process's alone from here (a second process is refused).
    await run.create(overwrite ?? false);
    // The settings first: from here on the directory is resumable, whenever the run stops.
    run.writeConfig(config);
    io.out(`pes: ${config.task} with ${config.estimator} → ${run.dir}`);
    return await startAndExecute(run, planned, trainer, io, statusOf(task));
  } finally {
    task.close?.();
    await run.close();
  }
}

/**
 * Evaluates the initial θ and checkpoints it, then runs. A Ctrl-C during that evaluation (20 s
 * on the image tasks) kills the process at once: config.json alone then resumes from here.
 */
async function startAndExecute(
  run: RunDirectory,
  planned: ResolvedRun,
  trainer: MetaTrainer,
  io: Io,
  status?: () => string | undefined,
): Promise<number> {
  io.out('pes: evaluating the initial θ…');
  const state = trainer.init();
  saveCheckpoint(run.checkpoint, {
    config: planned.config,
    trainer: trainer.snapshot(state),
  } satisfies CheckpointContents);
  return execute(run, planned, trainer, state, io, status);
}

async function resume(flags: MetaTrainFlags, given: Set<string>, io: Io): Promise<number> {
  const run = new RunDirectory(flags.resume!);
  try {
    await run.open();
    return await resumeOwned(run, flags, given, io);
  } finally {
    await run.close();
  }
}

async function resumeOwned(
  run: RunDirectory,
  flags: MetaTrainFlags,
  given: Set<string>,
  io: Io,
): Promise<number> {
  const stored = run.readConfig();
  // Flags given with --resume must agree with the run's settings; only --iterations may change.
  for (const field of given) {
    if (
      PLACEMENT_FLAGS.has(field) ||
      ['resume', 'iterations', 'config', 'overwrite'].includes(field)
    )
      continue;
    const value = (flags as Record<string, unknown>)[field];
    const current = (stored as Record<string, unknown>)[field];
    if (!isDeepStrictEqual(value, current)) {
      throw new UsageError(
        `--resume: ${flagOf(field)} ${JSON.stringify(value)} does not match the run's ${field} (${JSON.stringify(current)}); only --iterations may change`,
      );
    }
  }
  let resolved = resolveRun({ ...stored, iterations: flags.iterations ?? stored.iterations });
  // Runs from before config.json recorded the backend computed on WebAssembly (tfjs-node could
  // not be installed then): resume them there, where their θ continues to the last bit.
  if (resolved.spec.usesTensors && resolved.config.backend === undefined)
    resolved = resolveRun({ ...resolved.config, backend: 'wasm' });
  assertRunFits(resolved);
  const planned = await prepareBackend(resolved, io.out);
  const { config } = planned;
  const { task, trainer } = await buildRun(planned, await placement(flags, given, planned, io));
  try {
    sayWorkers(task, io);
    if (!existsSync(run.checkpoint)) {
      if (config.iterations !== stored.iterations) run.writeConfig(config);
      // Stopped before the first checkpoint (during the initial evaluation): start over, which
      // gives the very same run, since everything follows from the seed.
      run.truncateMetrics(0);
      io.out(`pes: resuming ${run.dir} from the start (no checkpoint yet)`);
      return await startAndExecute(run, planned, trainer, io, statusOf(task));
    }
    const state = restoreCheckpoint(run, stored, trainer, task.dim);
    if (config.iterations !== stored.iterations) run.writeConfig(config);
    run.truncateMetrics(state.iteration);
    io.out(`pes: resuming ${run.dir} at iteration ${state.iteration} of ${config.iterations}`);
    const checked = checkedFirstStep(trainer, run.checkpoint);
    return await execute(run, planned, checked, state, io, statusOf(task));
  } finally {
    task.close?.();
  }
}

/** The state in the run's checkpoint, which must have been made under the run's settings. */
function restoreCheckpoint(
  run: RunDirectory,
  stored: RunConfig,
  trainer: MetaTrainer,
  dim: number,
): MetaTrainState {
  let loaded: unknown;
  try {
    loaded = loadCheckpoint(run.checkpoint);
  } catch (error) {
    if (error instanceof CheckpointError)
      throw new UsageError(`cannot resume ${run.dir}: ${error.message}`);
    throw error;
  }
  // A checksum says the file is as written, not that it was written by this version, for this task.
  const contents = parseStored(checkpointContentsSchema(dim), loaded, run.checkpoint);
  assertSameSettings(run, stored, contents.config as RunConfig);
  try {
    return trainer.restore(contents.trainer);
  } catch (error) {
    // The estimator's part of the state, checked by the estimator.
    throw new UsageError(
      `cannot resume ${run.dir}: ${run.checkpoint}: ${(error as Error).message}`,
    );
  }
}

async function execute(
  run: RunDirectory,
  planned: ResolvedRun,
  trainer: MetaTrainer,
  initial: MetaTrainState,
  io: Io,
  /** The task's own progress line (workers over Redis), if it has one. */
  status?: () => string | undefined,
): Promise<number> {
  const { spec, options, config } = planned;
  let signal: NodeJS.Signals | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (signal) process.exit(EXIT_INTERRUPTED); // a second Ctrl-C: leave at once; the last checkpoint stands
    signal = name;
    io.err(`pes: ${name} received; writing a checkpoint…`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const { writeReport } = await import('../report.js');
  const started = performance.now();
  const bar = io.tty
    ? progressBar({ total: trainer.iterations, startIteration: initial.iteration })
    : undefined;
  // A run over Redis adds its workers and their speed to each progress line.
  const plain = progressReporter({
    total: trainer.iterations,
    startIteration: initial.iteration,
    write: (line) => {
      const cluster = status?.();
      io.out(cluster ? `${line}  ${cluster}` : line);
    },
  });
  const report = (record: IterationRecord) => (bar ? bar.update(record) : plain(record));
  try {
    const { state, stopped } = await runMetaTraining({
      trainer,
      state: initial,
      onIteration: (record) => {
        run.appendMetrics(metricsLine(record, (performance.now() - started) / 1000));
        report(record);
      },
      checkpoint: {
        every: config.checkpointEvery,
        seconds: config.checkpointSeconds,
        save: (snapshot) =>
          saveCheckpoint(run.checkpoint, {
            config,
            trainer: snapshot,
          } satisfies CheckpointContents),
      },
      shouldStop: () => signal !== undefined,
    });
    bar?.stop();
    // A signal during the last iteration (the final evaluation) arrives once it is done: stop
    // there too, with the checkpoint just written; --resume then only writes the results.
    if (stopped || signal !== undefined) {
      io.err(
        `pes: stopped at iteration ${state.iteration}; resume with: npx pes meta-train --resume ${run.dir}`,
      );
      trainer.dispose(state);
      return EXIT_INTERRUPTED;
    }
    run.writeResult(result(config, state));
    const artifacts = [];
    for (const artifact of (await spec.artifacts?.(state.theta, options)) ?? [])
      artifacts.push(run.writeArtifact(artifact.file, artifact.contents));
    const reportFile = await writeReport(run.dir);
    for (const line of summary(planned, state, run, (performance.now() - started) / 1000)) {
      io.out(line);
    }
    io.out(`  report             ${reportFile}`);
    for (const file of artifacts) io.out(`  saved              ${file}`);
    trainer.dispose(state);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Names the worker threads a sharded task runs on (a task in this thread says nothing). */
function statusOf(task: object): (() => string | undefined) | undefined {
  return (task as { status?: () => string | undefined }).status;
}

function defaultRunDirectory(config: RunConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `runs/${config.task}-${config.estimator}-${stamp}`;
}
