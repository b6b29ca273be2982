import {
  createRandomSearch,
  findEstimator,
  randomSearchMethod,
  reviseRun,
  runTrainer,
  type MetaTrainer,
  type Task,
} from '@pes/core';
import { availableParallelism } from 'node:os';
import type { ResolvedRun, RunConfig } from './config.js';
import { selectBackend } from './backend.js';
import { UsageError } from './errors.js';
import { processPool, shardedTask } from '@pes/core/node';
import { SHARD_FACTORY_MODULE } from './shard-factory.js';

/**
 * Task, estimator, optimizer and trainer from a resolved run (`runTrainer`, shared with the
 * playground). Library errors about
 * settings (an odd particle count for antithetic pairs, an estimator the task cannot serve)
 * become usage errors: they are the user's to fix.
 */
export async function buildRun(
  run: ResolvedRun,
  {
    workers = 1,
    isolation = 'auto',
    cluster,
  }: {
    workers?: number;
    /** Shards as worker threads of this process (data shared), child processes, or `auto`. */
    isolation?: Isolation | 'auto';
    /** Shards held by `pes worker`s attached through Redis rather than by threads here. */
    cluster?: ClusterSettings;
  } = {},
): Promise<{ task: Task; trainer: MetaTrainer }> {
  try {
    const { spec, options, config } = run;
    const shards = shardsFor(config, workers);
    const task = cluster
      ? await shardedTask({
          // The workers get the config alone: each builds the task and reads its own data.
          factory: {
            module: SHARD_FACTORY_MODULE,
            name: 'createTaskFromConfig',
            options: { config },
          },
          pool: (await import('@pes/cluster/node')).redisPool({ ...cluster, shards }),
          group: config.antithetic ? 2 : 1,
        })
      : shards > 1
        ? await shardsOnThisMachine(run, shards, isolation)
        : await spec.create(options);
    if (config.estimator === randomSearchMethod.name) {
      if (!spec.searchSpace)
        throw new UsageError(`task ${spec.name} defines no search space for random search`);
      return {
        task,
        trainer: createRandomSearch({
          task,
          settings: randomSearchSettings(config, task, spec.searchSpace(options)),
        }),
      };
    }
    return { task, trainer: runTrainer(task, config) };
  } catch (error) {
    // Errors from a shard worker keep their names: a user's bad setting or data is still theirs.
    if (
      error instanceof Error &&
      ['RangeError', 'DataError', 'UsageError', 'ClusterError'].includes(error.name)
    )
      throw new UsageError(error.message);
    throw error;
  }
}

/** What a shard on this machine is: a worker thread of this process or a child process. */
export type Isolation = 'threads' | 'processes';
export const ISOLATIONS: readonly Isolation[] = ['threads', 'processes'];

/**
 * A data set shared by threads above this size makes threads the automatic choice: processes
 * would each hold a copy (CIFAR-10's 150 MB of pixels); below it, processes, which run side by
 * side better (separate heaps and garbage collectors: ×1.71–1.77 against ×1.61–1.63 for two
 * threads on mnist-lr-schedule, N = 8, docs/scaling.md).
 */
const SHARED_DATA_FOR_THREADS = 64 * 2 ** 20;

/** The task split over `shards` threads or processes of this machine. */
async function shardsOnThisMachine(
  { spec, options, config }: ResolvedRun,
  shards: number,
  isolation: Isolation | 'auto',
): Promise<Task> {
  const group = config.antithetic ? 2 : 1;
  // The dataset's bytes are loaded here once and shared by every worker thread.
  const shared = isolation === 'processes' ? undefined : await spec.sharedData?.(options);
  const chosen =
    isolation === 'auto'
      ? byteSize(shared) > SHARED_DATA_FOR_THREADS
        ? 'threads'
        : 'processes'
      : isolation;
  const factory = { module: SHARD_FACTORY_MODULE, name: 'createTaskFromConfig' };
  return chosen === 'processes'
    ? // Each process reads its own data: memory does not cross processes.
      shardedTask({
        // Each process gets its share of the cores for TensorFlow's threads.
        factory: {
          ...factory,
          options: { config, threads: Math.max(1, Math.floor(availableParallelism() / shards)) },
        },
        pool: processPool(shards),
        group,
      })
    : shardedTask({ factory: { ...factory, options: { config, shared } }, workers: shards, group });
}

/** The bytes of the buffers in a value (typed arrays, SharedArrayBuffers), walked recursively. */
function byteSize(value: unknown): number {
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + byteSize(v), 0);
  if (typeof value === 'object' && value !== null)
    return Object.values(value).reduce((sum: number, v) => sum + byteSize(v), 0);
  return 0;
}

/** Where the workers of a run over Redis are, and how long to wait for them. */
export interface ClusterSettings {
  url: string;
  /** Seconds without a heartbeat after which a worker's shards move to another. */
  lease: number;
  /** Seconds to wait for Redis, for the workers, and for a lost shard's new worker. */
  wait: number;
  say: (line: string) => void;
  /** The cluster's shared secret, which signs every message (none: messages are unsigned). */
  secret?: Uint8Array;
}

/**
 * The worker threads a run's particles are split over: at most one per particle group, and one
 * (the task in this thread) for methods that do not unroll particles in parallel: random search
 * judges one θ at a time, and RTRL/UORO carry Jacobians through every step of one particle.
 */
export function shardsFor(config: RunConfig, workers: number): number {
  if (config.estimator === randomSearchMethod.name) return 1;
  if (findEstimator(config.estimator)?.needsForwardMode) return 1;
  const group = config.antithetic ? 2 : 1;
  return Math.max(1, Math.min(workers, Math.floor(config.particles / group)));
}

/**
 * Random search gets the inner-step budget the gradient methods would spend
 * (iterations × particles × K), as whole runs of T steps.
 */
function randomSearchSettings(config: RunConfig, task: Task, searchSpace: [number, number][]) {
  const budget = config.iterations * config.particles * config.unrollLength;
  return {
    candidates: Math.max(1, Math.floor(budget / task.horizon)),
    searchSpace,
    seed: config.seed,
  };
}

/**
 * Chooses the tfjs backend before a task that computes with tensors is built, and says which.
 * The run it returns records it (`backend`: what `auto` became, so that workers and a resume
 * compute on the same one).
 */
export async function prepareBackend(
  run: ResolvedRun,
  say: (line: string) => void,
): Promise<ResolvedRun> {
  const { spec, options, config } = run;
  if (!spec.usesTensors) return run;
  const requested = (config.backend as string | undefined) ?? 'auto';
  const preferWasm =
    requested === 'auto' && !process.env.PES_BACKEND && spec.preferredBackend?.(options) === 'wasm';
  const backend = await selectBackend({ requested, preferWasm });
  say(
    `pes: tfjs backend ${backend}${preferWasm && backend === 'wasm' ? ` (faster than tfjs-node for ${spec.name}'s shapes, as pes bench backends measured)` : ''}`,
  );
  return reviseRun(run, { backend }) as ResolvedRun;
}
