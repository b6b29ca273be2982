import type { TaskFactory } from '@pes/core';
import { errorReply, SyncWorker } from '@pes/core/node';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { connectRedis } from './connection.js';
import { ClusterError } from './errors.js';
import { RedisStore } from './redis-store.js';
import { announce } from './roster.js';
import { describeRedis } from './redis-url.js';
import {
  decode,
  encode,
  keys,
  PES_VERSION,
  PROTOCOL,
  type Envelope,
  type Reply,
  type WorkerRecord,
} from './protocol.js';

export interface WorkerOptions {
  redis: string;
  /**
   * The app's own factory for the run config a coordinator sends: it validates the config (it is
   * data from the network), prepares this process for it (tensor backend, this machine's data,
   * read once and shared by the shard threads) and names the module and export a shard thread
   * builds the task with. The worker builds tasks only through it: it never runs code it receives.
   */
  taskFactory: (config: unknown) => Promise<TaskFactory>;
  /** Seconds without a heartbeat after which the worker counts as dead and its shards move. */
  lease: number;
  /** Seconds to wait for Redis at the start. */
  wait: number;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the worker should leave (tests); SIGINT and SIGTERM also end it. */
  stop?: Promise<unknown>;
}

/**
 * `pes worker`: joins a pool of workers through Redis and serves the shards a coordinator gives
 * it, each in a thread of its own (so its heartbeat keeps beating while a shard computes). It
 * builds every task from the run's config through the app's `taskFactory`: it never runs code
 * it receives. It serves one session at a time; a request of another session (a resumed
 * coordinator) replaces the shards of the old one. Resolves when it has left: `signalled` when
 * SIGINT or SIGTERM made it leave.
 */
export async function runWorker(options: WorkerOptions): Promise<{ signalled: boolean }> {
  const where = describeRedis(options.redis);
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const redis = await connectRedis(options.redis, {
    waitSeconds: options.wait,
    say: options.err,
    name: `pes-worker-${id}`,
  });
  const blocking = redis.duplicate();
  // Its errors are the connection's, reported where a command fails; ioredis prints them otherwise.
  blocking.on('error', () => undefined);
  const record: WorkerRecord = {
    id,
    version: PES_VERSION,
    protocol: PROTOCOL,
    host: hostname(),
    pid: process.pid,
  };
  // Alive for a lease, renewed three times a lease: coordinators find and claim it by this key.
  const presence = await announce(new RedisStore(redis), record, Math.round(options.lease * 1000));

  let session: string | undefined;
  // Each shard held: its thread (its task and inner states) and the queue of its requests.
  let threads = new Map<number, SyncWorker>();
  let queues = new Map<number, Promise<void>>();
  const dropShards = async () => {
    const old = threads;
    threads = new Map();
    queues = new Map();
    await Promise.all([...old.values()].map((t) => t.terminate()));
  };

  let leaving = false;
  let signalled = false;
  const leave = () => {
    signalled = true;
    leaving = true;
  };
  process.once('SIGINT', leave);
  process.once('SIGTERM', leave);
  void options.stop?.then(() => (leaving = true));
  options.out(`pes: worker ${id} joined ${where}; waiting for a coordinator (Ctrl-C leaves)`);

  /** One request of the current session, answered on the session's reply list. */
  const serve = async (envelope: Envelope): Promise<void> => {
    // A request left over from a session this worker no longer serves is dropped unanswered.
    if (envelope.session !== session) return;
    const started = performance.now();
    let reply: Omit<Reply, 'ms'>;
    try {
      const thread = threads.get(envelope.shard);
      if (envelope.request.op !== 'create' && !thread)
        throw new Error(`worker ${id} holds no shard ${envelope.shard}`);
      const request = envelope.request;
      const value =
        request.op === 'create' ? await create(envelope) : await thread!.callAsync(request);
      reply = { shard: envelope.shard, seq: envelope.seq, worker: id, ok: true, value };
    } catch (error) {
      reply = {
        shard: envelope.shard,
        seq: envelope.seq,
        worker: id,
        ...errorReply(error),
      };
      if (envelope.request.op === 'create')
        options.err(
          `pes: worker ${id}: cannot serve shard ${envelope.shard}: ${reply.error!.message}`,
        );
    }
    if (envelope.request.op === 'close') {
      await threads.get(envelope.shard)?.terminate();
      threads.delete(envelope.shard);
    }
    const ms = performance.now() - started;
    const replies = keys.reply(envelope.session);
    // The reply list outlives a crashed coordinator by an hour at most.
    await redis
      .multi()
      .rpush(replies, encode({ ...reply, ms }))
      .pexpire(replies, 3_600_000)
      .exec();
  };

  /** Builds a shard's task from the run config, after checking that we speak the same language. */
  const create = async (envelope: Envelope): Promise<unknown> => {
    if (envelope.version !== PES_VERSION || envelope.protocol !== PROTOCOL) {
      throw new Error(
        `worker ${id} runs @pes ${PES_VERSION} (protocol ${PROTOCOL}), the coordinator ${envelope.version} (protocol ${envelope.protocol}); run the same version on every machine`,
      );
    }
    const factory = await options.taskFactory((envelope.request as { config: unknown }).config);
    await threads.get(envelope.shard)?.terminate();
    const thread = new SyncWorker();
    threads.set(envelope.shard, thread);
    return thread.callAsync({ op: 'create', factory });
  };

  try {
    while (!leaving) {
      const popped = await blocking.blpopBuffer(keys.inbox(id), 1).catch((error: unknown) => {
        if (blocking.status !== 'end') throw error;
        throw new ClusterError(
          `worker ${id} lost the connection to Redis at ${where} for more than ${options.wait} s`,
        );
      });
      if (!popped) continue;
      const envelope = decode<Envelope>(popped[1]);
      if (envelope.session !== session) {
        await dropShards();
        session = envelope.session;
        options.out(`pes: worker ${id} serving session ${session}`);
      }
      // Requests of one shard run in order; shards run side by side.
      const queue = queues.get(envelope.shard) ?? Promise.resolve();
      queues.set(
        envelope.shard,
        queue
          .then(() => serve(envelope))
          .catch((error: unknown) =>
            options.err(
              `pes: worker ${id}: ${error instanceof Error ? error.message : String(error)}`,
            ),
          ),
      );
    }
  } finally {
    presence.stop();
    process.off('SIGINT', leave);
    process.off('SIGTERM', leave);
    await dropShards();
    await presence.leave();
    blocking.disconnect();
    redis.disconnect();
  }
  options.out(`pes: worker ${id} left ${where}`);
  return { signalled };
}
