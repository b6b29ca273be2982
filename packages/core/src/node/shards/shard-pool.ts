import type { ShardRequest, TaskFactory } from '../../sharding/protocol.js';
import { ShardError, SyncWorker } from './sync-worker.js';

export type { TaskFactory };

/**
 * Where a sharded task's shards live: worker threads of this process (`threadPool`), or
 * processes on other machines reached through a coordination store. Shard i keeps its inner
 * states between calls; a pool only carries requests to it and its answers back.
 */
export interface ShardPool {
  /** The number of shards. */
  readonly size: number;
  /** What holds the shards, in words ("worker threads", "worker processes", …). */
  readonly kind: string;
  /** Builds the task in every shard; resolves to what each shard says about it (its meta). */
  create(factory: TaskFactory): Promise<unknown[]>;
  /**
   * Sends request i to shard i (none where it is undefined), all at once, and waits for every
   * answer: answers in shard order. A failure is thrown after every answer is in, so no shard is
   * left with a pending request.
   */
  exchange(requests: readonly (ShardRequest | undefined)[]): unknown[];
  /** A short line on the pool for progress output (workers, their speed), if it has one. */
  status?(): string | undefined;
  /** Stops the shards; the pool is not used after it. */
  close(): Promise<void>;
}

/** A pool of `workers` worker threads of this process, one shard each, called synchronously. */
export function threadPool(workers: number): ShardPool {
  const threads = Array.from({ length: workers }, () => new SyncWorker());
  return {
    size: workers,
    kind: 'worker threads',
    create: (factory) => Promise.all(threads.map((t) => t.callAsync({ op: 'create', factory }))),
    exchange(requests) {
      const sent = threads.map((t, i) => {
        const r = requests[i];
        if (r) t.send(r);
        return r !== undefined;
      });
      // Collect every reply, even after a failure, so no worker is left with a pending answer.
      let failure: unknown;
      const replies = threads.map((t, i) => {
        if (!sent[i]) return undefined;
        try {
          return t.receive();
        } catch (error) {
          failure ??= error;
          return undefined;
        }
      });
      if (failure) throw failure;
      return replies;
    },
    async close() {
      await Promise.all(threads.map((t) => t.terminate()));
    },
  };
}

/** The process relay of this installation: JavaScript when built, TypeScript under tests. */
const PROCESS_RELAY = new URL(
  `./process-relay.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

/** What the process relay is asked: build the task in every process, exchange, close. */
export type ProcessRelayRequest =
  | { op: 'create'; factory: TaskFactory }
  | { op: 'exchange'; requests: readonly (ShardRequest | undefined)[] }
  | { op: 'close' };

export interface ShardReply {
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string };
}

/** The first failure among shard replies, rethrown under the shard's error name; else the values. */
export function valuesOf(replies: (ShardReply | undefined)[]): unknown[] {
  const failed = replies.find((r) => r && !r.ok);
  if (failed) throw new ShardError(failed.error!.name, failed.error!.message);
  return replies.map((r) => r?.value);
}

/**
 * A pool of `workers` child processes, one shard each. Each has its own heap and garbage
 * collector (threads of one process share a process's allocator and slow each other down more),
 * and its own copy of the data: `factory.options` must be plain data that survives IPC
 * (no SharedArrayBuffer).
 */
export function processPool(workers: number): ShardPool {
  const relay = new SyncWorker<ProcessRelayRequest>({ entry: PROCESS_RELAY, data: { workers } });
  return {
    size: workers,
    kind: 'worker processes',
    async create(factory) {
      return valuesOf((await relay.callAsync({ op: 'create', factory })) as ShardReply[]);
    },
    exchange: (requests) =>
      valuesOf(relay.call({ op: 'exchange', requests }) as (ShardReply | undefined)[]),
    async close() {
      try {
        await relay.callAsync({ op: 'close' });
      } finally {
        await relay.terminate();
      }
    },
  };
}
