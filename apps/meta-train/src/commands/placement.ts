import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import type { ClusterSettings, Isolation, ResolvedRun, Io } from '@pes/runner/node';

// Where a run's particles are computed: worker threads or processes here, or pes workers over
// Redis. Never part of what is computed, so never in config.json.

/** Flags that say where the particles are computed, not what is computed: never in config.json. */
/** The flags of `pes meta-train` that say where its particles are computed. */
export interface PlacementFlags {
  workers?: number;
  isolation?: 'threads' | 'processes' | 'auto';
  redis?: string;
  lease?: number;
  wait?: number;
}

export const PLACEMENT_FLAGS = new Set(['workers', 'isolation', 'redis', 'lease', 'wait']);

/** Where a run's shards are computed: threads or processes here, or `pes worker`s. */
export interface Placement {
  workers: number;
  isolation?: Isolation | 'auto';
  cluster?: ClusterSettings;
}

/** Worker threads, or `pes worker`s through Redis, from the flags (checked) and the task. */
export async function placement(
  flags: PlacementFlags,
  given: Set<string>,
  run: ResolvedRun,
  io: Io,
): Promise<Placement> {
  if (flags.redis === undefined) {
    for (const flag of ['lease', 'wait'])
      if (given.has(flag))
        throw new UsageError(`--${flag} is for runs over Redis: add --redis URL`);
    return {
      workers: flags.workers ?? defaultWorkers(run),
      ...(flags.isolation ? { isolation: flags.isolation } : {}),
    };
  }
  if (flags.isolation !== undefined)
    throw new UsageError(
      '--isolation is for workers on this machine; pes workers over Redis are processes',
    );
  if (flags.workers === undefined)
    throw new UsageError('--redis needs --workers W: the number of pes workers to attach');
  for (const [flag, value] of [
    ['lease', flags.lease],
    ['wait', flags.wait],
  ] as const)
    if (value !== undefined && !(value > 0 && value <= 86_400))
      throw new UsageError(`--${flag} must be between 0 and 86400 seconds (got ${value})`);
  return {
    workers: flags.workers,
    cluster: {
      // Loaded only for a run over Redis (its client is not small).
      url: (await import('@pes/cluster/node')).parseRedisUrl(flags.redis),
      lease: flags.lease ?? 10,
      wait: flags.wait ?? 300,
      say: io.err,
    },
  };
}

export function sayWorkers(task: object, io: Io): void {
  const sharded = task as { workers?: number; pool?: { kind: string } };
  if (sharded.workers !== undefined && sharded.pool)
    io.out(`pes: particles split over ${sharded.workers} ${sharded.pool.kind}`);
}
/** One worker thread per core for tasks where that pays (`TaskSpec.parallel`), else none. */
function defaultWorkers({ spec }: ResolvedRun): number {
  return spec.parallel ? availableParallelism() : 1;
}
