import type { Key } from '../../random.js';
import { shardCounts, shardStarts } from '../../sharding/layout.js';
import type {
  ShardMeta,
  ShardOp,
  ShardOperationTypes,
  ShardRequest,
  ShardResult,
  TaskFactory,
} from '../../sharding/protocol.js';
import { joinSnapshots, sliceSnapshot } from '../../sharding/snapshots.js';
import type { InitOptions, Task, UnrollResult } from '../../task.js';
import { threadPool, type ShardPool } from './shard-pool.js';

/** A state whose particles live in the workers: shard i holds `counts[i]` of them under `id`. */
export interface ShardedState {
  readonly id: number;
  readonly counts: readonly number[];
}

export interface ShardedTask extends Task<ShardedState> {
  readonly workers: number;
  /** Where the shards live (for measurements of remote pools). */
  readonly pool: ShardPool;
  /** The pool's own line for progress output (remote workers and their speed), if any. */
  status(): string | undefined;
  /** Stops the workers; the task is not used after it. */
  close(): void;
}

/**
 * The task of a run split over `workers` worker threads (or the shards of another `pool`), each owning a contiguous shard of the
 * particles (whole groups of `group`, so antithetic pairs stay together) and their inner states
 * for the whole run. Per call only the θ rows of a shard go out and its losses come back.
 *
 * Same θ whatever the number of workers, to the last bit: every task computes each particle from
 * its own state, its θ row and the call's key alone (all particles see the same minibatches and
 * resets: common random numbers), and the shards' losses are put back in particle order before
 * any sum is taken. Snapshots are joined into the unsharded task's snapshot, so a checkpoint can
 * be resumed with any number of workers.
 */
export async function shardedTask(
  options: { factory: TaskFactory; group?: number } & (
    { workers: number; pool?: undefined } | { pool: ShardPool; workers?: undefined }
  ),
): Promise<ShardedTask> {
  const group = options.group ?? 1;
  const pool = options.pool ?? threadPool(options.workers!);
  let meta: ShardMeta;
  try {
    // Build the task in every shard at once (each loads its own tfjs, simulator and data).
    const metas = (await pool.create(options.factory)) as ShardResult<'create'>[];
    meta = metas[0]!;
    metas.forEach((other, i) => {
      const difference = metaDifference(meta, other);
      if (difference)
        throw new Error(`shard ${i} built another task than shard 0 (${difference} differs)`);
    });
  } catch (error) {
    await pool.close();
    throw error;
  }
  let nextId = 1;

  /**
   * Sends each shard a request of `op` (none where `fields` gives undefined), then collects the
   * replies (undefined where none was sent).
   */
  const each = <Op extends ShardOp>(
    op: Op,
    fields: (shard: number) => ShardOperationTypes[Op]['request'] | undefined,
  ): (ShardResult<Op> | undefined)[] =>
    pool.exchange(
      Array.from({ length: pool.size }, (_, i) => {
        const f = fields(i);
        return f && ({ op, ...f } as unknown as ShardRequest);
      }),
    ) as (ShardResult<Op> | undefined)[];

  const layout = (particles: number) => shardCounts(particles, pool.size, group);

  const concat = <T extends Float64Array | Uint8Array>(
    parts: unknown[],
    counts: readonly number[],
    Ctor: new (n: number) => T,
    per: number,
  ): T => {
    const out = new Ctor(counts.reduce((a, b) => a + b, 0) * per);
    let at = 0;
    parts.forEach((part, i) => {
      if (counts[i]! === 0) return;
      out.set(part as T, at);
      at += counts[i]! * per;
    });
    return out;
  };

  const unroll = (
    state: ShardedState,
    thetas: Float64Array,
    steps: number,
    key: Key,
    gradient: boolean,
  ) => {
    const id = nextId++;
    const starts = shardStarts(state.counts);
    const replies = each('unroll', (i) =>
      state.counts[i]! > 0
        ? {
            id,
            from: state.id,
            thetas: thetas.slice(starts[i]! * meta.dim, (starts[i]! + state.counts[i]!) * meta.dim),
            steps,
            key,
            gradient,
          }
        : undefined,
    );
    const result: UnrollResult<ShardedState> & { grads?: Float64Array } = {
      state: { id, counts: state.counts },
      losses: concat(
        replies.map((r) => r?.losses),
        state.counts,
        Float64Array,
        steps,
      ),
      done: concat(
        replies.map((r) => r?.done),
        state.counts,
        Uint8Array,
        steps,
      ),
    };
    if (gradient)
      result.grads = concat(
        replies.map((r) => r?.grads),
        state.counts,
        Float64Array,
        meta.dim,
      );
    return result;
  };

  const restoreInto = (snapshot: unknown, particles: number): ShardedState => {
    const id = nextId++;
    const counts = layout(particles);
    const starts = shardStarts(counts);
    each('restore', (i) =>
      counts[i]! > 0
        ? {
            id,
            snapshot: sliceSnapshot(snapshot, particles, starts[i]!, counts[i]!),
          }
        : undefined,
    );
    return { id, counts };
  };

  const snapshotOf = (state: ShardedState): unknown => {
    const parts = each('snapshot', (i) => (state.counts[i]! > 0 ? { from: state.id } : undefined));
    return joinSnapshots(parts, state.counts);
  };

  let closed = false;
  const task: ShardedTask = {
    name: meta.name,
    dim: meta.dim,
    horizon: meta.horizon,
    maximize: meta.maximize,
    workers: pool.size,
    pool,
    status: () => pool.status?.(),
    initialTheta: () => meta.initialTheta.slice(),
    init(key: Key, particles: number, initOptions?: InitOptions): ShardedState {
      const id = nextId++;
      const counts = layout(particles);
      const starts = shardStarts(counts);
      const offsets = initOptions?.stepOffsets;
      each('init', (i) =>
        counts[i]! > 0
          ? {
              id,
              key,
              particles: counts[i]!,
              ...(offsets
                ? { stepOffsets: offsets.slice(starts[i]!, starts[i]! + counts[i]!) }
                : {}),
            }
          : undefined,
      );
      return { id, counts };
    },
    unroll: (state, thetas, steps, key) => unroll(state, thetas, steps, key, false),
    reset(state, mask, key) {
      const id = nextId++;
      const starts = shardStarts(state.counts);
      each('reset', (i) =>
        state.counts[i]! > 0
          ? {
              id,
              from: state.id,
              mask: mask.slice(starts[i]!, starts[i]! + state.counts[i]!),
              key,
            }
          : undefined,
      );
      return { id, counts: state.counts };
    },
    gather(state, indices) {
      const particles = state.counts.reduce((a, b) => a + b, 0);
      // Any gather: through the joined snapshot (the estimators gather only from a state of
      // one particle, truncated ES's shared trajectory, so this moves one particle's state).
      const snapshot = snapshotOf(state);
      const picked = joinSnapshots(
        Array.from(indices, (p) => sliceSnapshot(snapshot, particles, p, 1)),
        Array.from(indices, () => 1),
      );
      return restoreInto(picked, indices.length);
    },
    evaluate(theta: Float64Array, key: Key) {
      return each('evaluate', (i) => (i === 0 ? { theta, key } : undefined))[0]!;
    },
    snapshot: (state) => snapshotOf(state),
    restore(snapshot) {
      const particles = particleCount(snapshot, meta.unit);
      if (particles < 0)
        throw new TypeError(`${meta.name} checkpoint: no per-particle data in the task state`);
      return restoreInto(snapshot, particles);
    },
    dispose(state) {
      if (closed) return;
      each('dispose', (i) => (state.counts[i]! > 0 ? { from: state.id } : undefined));
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        each('close', () => ({}));
      } catch {
        // Shards that cannot be told to free their states are stopped all the same; a failure
        // here must not hide the error that ended the run.
      } finally {
        pool.close().catch(() => undefined);
      }
    },
  };
  if (meta.differentiable) {
    Object.assign(task, {
      differentiable: {
        unrollWithGradient: (state: ShardedState, thetas: Float64Array, steps: number, key: Key) =>
          unroll(state, thetas, steps, key, true),
      },
    });
  }
  return task;
}

/** The first field in which two shards' tasks differ, if any: each shard builds its own. */
function metaDifference(a: ShardMeta, b: ShardMeta): string | undefined {
  for (const field of ['name', 'dim', 'horizon', 'maximize', 'differentiable'] as const)
    if (a[field] !== b[field]) return field;
  const bits = (x: Float64Array) =>
    Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');
  if (bits(a.initialTheta) !== bits(b.initialTheta)) return 'the initial θ';
  return undefined;
}

/** How many particles a snapshot holds: its first per-particle leaf against one particle's. */
function particleCount(snapshot: unknown, unit: unknown): number {
  if (ArrayBuffer.isView(unit)) {
    const n = (snapshot as Float64Array).length / (unit as Float64Array).length;
    if (Number.isInteger(n)) return n;
  } else if (Array.isArray(unit)) {
    if (Array.isArray(snapshot)) return snapshot.length;
  } else if (typeof unit === 'object' && unit !== null) {
    for (const key of Object.keys(unit)) {
      const n = particleCount(
        (snapshot as Record<string, unknown>)?.[key],
        (unit as Record<string, unknown>)[key],
      );
      if (n >= 0) return n;
    }
  }
  return -1;
}
