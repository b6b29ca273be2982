/**
 * What a sharded task asks of a shard and what the shard answers: one entry per operation, its
 * request's fields and its result. A shard keeps the inner states of its particles between
 * requests, under the ids the sharded task gives them; `SHARD_OPERATIONS` says beside each
 * operation whether it changes them (what a pool that can lose a shard must replay elsewhere).
 * Types and one table only: browser-safe, though the pools that carry these are Node's.
 */
import type { Key } from '../random.js';
import type { Evaluation } from '../task.js';

/** A module of this installation and the export in it that builds the task from `options`. */
export interface TaskFactory {
  /** An import specifier the worker can resolve (a package entry or a file URL). */
  module: string;
  /** The export: `(options) => Task | Promise<Task>`. */
  name: string;
  /** Plain data (a validated run config): structured-cloned to every worker. */
  options: unknown;
}

/** What a shard says about the task it built: every shard's must agree with shard 0's. */
export interface ShardMeta {
  name: string;
  dim: number;
  horizon: number;
  maximize: boolean;
  initialTheta: Float64Array;
  differentiable: boolean;
  /** The snapshot of a one-particle state: how long each per-particle leaf is. */
  unit: unknown;
}

/** What a shard returns for an unroll of its particles. */
export interface ShardUnroll {
  losses: Float64Array;
  done: Uint8Array;
  grads?: Float64Array;
}

/** Every operation of a shard: its request's fields (beside `op`) and its result. */
export interface ShardOperationTypes {
  create: { request: { factory: TaskFactory }; result: ShardMeta };
  init: {
    request: { id: number; key: Key; particles: number; stepOffsets?: Int32Array };
    result: null;
  };
  unroll: {
    request: {
      id: number;
      from: number;
      thetas: Float64Array;
      steps: number;
      key: Key;
      gradient: boolean;
    };
    result: ShardUnroll;
  };
  reset: { request: { id: number; from: number; mask: Uint8Array; key: Key }; result: null };
  gather: { request: { id: number; from: number; indices: Int32Array }; result: null };
  snapshot: { request: { from: number }; result: unknown };
  restore: { request: { id: number; snapshot: unknown }; result: null };
  dispose: { request: { from: number }; result: null };
  /** Every live state of the shard, by id: what a replacement needs to take the shard over. */
  'snapshot-all': { request: Record<never, never>; result: [number, unknown][] };
  /** Replaces every state of the shard with those of a `snapshot-all`. */
  'restore-all': { request: { states: [number, unknown][] }; result: null };
  evaluate: { request: { theta: Float64Array; key: Key }; result: Evaluation };
  /** Frees every state and the task: the shard's last request. */
  close: { request: Record<never, never>; result: null };
}

export type ShardOp = keyof ShardOperationTypes;

/** A request to a shard: the discriminated union of every operation's (or of `Op`'s). */
export type ShardRequest<Op extends ShardOp = ShardOp> = {
  [O in Op]: { op: O } & ShardOperationTypes[O]['request'];
}[Op];

/** What a shard answers to a request of `Op`. */
export type ShardResult<Op extends ShardOp = ShardOp> = ShardOperationTypes[Op]['result'];

/** What is declared of each operation beside its types. */
export interface ShardOperation {
  /**
   * It changes the states the shard keeps (or the task it holds): a shard rebuilt elsewhere must
   * see it too. A pool that can lose a shard journals every such request (and only those).
   */
  readonly mutates: boolean;
}

/** Every operation of `ShardOperationTypes`, declared: a missing or extra one does not compile. */
export const SHARD_OPERATIONS = {
  create: { mutates: true },
  init: { mutates: true },
  unroll: { mutates: true },
  reset: { mutates: true },
  gather: { mutates: true },
  snapshot: { mutates: false },
  restore: { mutates: true },
  dispose: { mutates: true },
  'snapshot-all': { mutates: false },
  'restore-all': { mutates: true },
  evaluate: { mutates: false },
  close: { mutates: true },
} as const satisfies { readonly [Op in ShardOp]: ShardOperation };

/** Whether `op` names an operation of a shard. */
export function isShardOp(op: string): op is ShardOp {
  return Object.hasOwn(SHARD_OPERATIONS, op);
}
