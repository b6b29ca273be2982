import {
  adam,
  createRandomSearch,
  randomSearchMethod,
  chain,
  clipByGlobalNorm,
  createMetaTrainer,
  estimatorUnsupportedReason,
  findEstimator,
  momentum,
  sgd,
  type GradientTransformation,
  type MetaTrainer,
  type Task,
} from '@pes/core';
import { taskOptionsOf, type RunConfig } from './config.js';
import { selectBackend } from './backend.js';
import { UsageError } from './errors.js';
import { processPool, shardedTask } from '@pes/core/node';
import { findTaskSpec } from './registry.js';
import { SHARD_FACTORY_MODULE } from './shard-factory.js';

export function buildOptimizer(config: RunConfig): GradientTransformation {
  const base =
    config.outerOptimizer === 'adam'
      ? adam(config.outerLr, { b1: config.adamB1, b2: config.adamB2 })
      : config.outerOptimizer === 'momentum'
        ? momentum(config.outerLr, config.momentum)
        : sgd(config.outerLr);
  return (
    config.clipNorm > 0 ? chain(clipByGlobalNorm(config.clipNorm), base) : base
  ) as GradientTransformation;
}

/**
 * Task, estimator, optimizer and trainer from a validated config. Library errors about
 * settings (an odd particle count for antithetic pairs, an estimator the task cannot serve)
 * become usage errors: they are the user's to fix.
 */
export async function buildRun(
  config: RunConfig,
  {
    workers = 1,
    isolation = 'threads',
    cluster,
  }: {
    workers?: number;
    /** Shards as worker threads of this process (data shared) or as child processes. */
    isolation?: Isolation;
    /** Shards held by `pes worker`s attached through Redis rather than by threads here. */
    cluster?: ClusterSettings;
  } = {},
): Promise<{ task: Task; trainer: MetaTrainer }> {
  try {
    const spec = findTaskSpec(config.task);
    const shards = shardsFor(config, workers);
    const task = cluster
      ? await shardedTask({
          // The workers get the config alone: each builds the task and reads its own data.
          factory: {
            module: SHARD_FACTORY_MODULE,
            name: 'createTaskFromConfig',
            options: { config },
          },
          pool: (await import('./cluster/redis-pool.js')).redisPool({ ...cluster, shards }),
          group: config.antithetic ? 2 : 1,
        })
      : shards > 1 && isolation === 'processes'
        ? await shardedTask({
            // Each process reads its own data: memory does not cross processes.
            factory: {
              module: SHARD_FACTORY_MODULE,
              name: 'createTaskFromConfig',
              options: { config },
            },
            pool: processPool(shards),
            group: config.antithetic ? 2 : 1,
          })
        : shards > 1
          ? await shardedTask({
              factory: {
                module: SHARD_FACTORY_MODULE,
                name: 'createTaskFromConfig',
                // The dataset's bytes are loaded here once and shared by every worker thread.
                options: { config, shared: await spec.sharedData?.(taskOptionsOf(config)) },
              },
              workers: shards,
              group: config.antithetic ? 2 : 1,
            })
          : await spec.create(taskOptionsOf(config));
    if (config.estimator === randomSearchMethod.name) {
      if (!spec.searchSpace)
        throw new UsageError(`task ${spec.name} defines no search space for random search`);
      return {
        task,
        trainer: createRandomSearch({
          task,
          settings: randomSearchSettings(config, task, spec.searchSpace(taskOptionsOf(config))),
        }),
      };
    }
    const entry = findEstimator(config.estimator);
    if (!entry) throw new UsageError(`unknown estimator '${config.estimator}'`);
    const reason = estimatorUnsupportedReason(entry, task);
    if (reason) throw new UsageError(reason);
    const estimator = entry.create(task, {
      particles: config.particles,
      sigma: config.sigma,
      unrollLength: config.unrollLength,
      antithetic: config.antithetic,
      stagger: config.stagger,
      fitnessShaping: config.fitnessShaping,
    });
    const trainer = createMetaTrainer({
      task,
      estimator,
      optimizer: buildOptimizer(config),
      settings: { iterations: config.iterations, evalEvery: config.evalEvery, seed: config.seed },
    });
    return { task, trainer };
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

/** Where the workers of a run over Redis are, and how long to wait for them. */
export interface ClusterSettings {
  url: string;
  /** Seconds without a heartbeat after which a worker's shards move to another. */
  lease: number;
  /** Seconds to wait for Redis, for the workers, and for a lost shard's new worker. */
  wait: number;
  say: (line: string) => void;
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

/** Chooses the tfjs backend before a task that computes with tensors is built; says which. */
export async function prepareBackend(
  config: RunConfig,
  say: (line: string) => void,
): Promise<void> {
  if (!findTaskSpec(config.task).usesTensors) return;
  say(`pes: tfjs backend ${await selectBackend()}`);
}
