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
  keys,
  PES_VERSION,
  PROTOCOL,
  type Envelope,
  type Reply,
  type WorkerRecord,
} from './protocol.js';
import { encodeMessage, readEnvelope } from './wire.js';
import { Refusals } from './refusals.js';

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
  /** The cluster's shared secret: requests must be signed with it, and replies are. */
  secret?: Uint8Array;
  /** The most shards this worker holds at once (each is a thread with its task and data). */
  maxShards?: number;
}

/** Shards a worker holds at most unless told otherwise: a run gives each worker one at the start. */
export const DEFAULT_MAX_SHARDS = 8;

/** An error of a name the coordinator acts on (ShardLost, WorkerFull). */
function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/**
 * `pes worker`: joins a pool of workers through Redis and serves the shards a coordinator gives
 * it, each in a thread of its own (so its heartbeat keeps beating while a shard computes). It
 * builds every task from the run's config through the app's `taskFactory`: it never runs code
 * it receives. It serves one session at a time; a request of another session replaces the
 * shards of the old one only when that session holds this worker's claim (a resumed coordinator,
 * a new run once the old one is gone): any other is ignored. Every request is checked before it
 * is used (its signature with a secret, its size, depth and schema), and a request it refuses is
 * counted and said, never fatal. It holds at most `maxShards` shards. Resolves when it has left:
 * `signalled` when SIGINT or SIGTERM made it leave.
 */
export async function runWorker(options: WorkerOptions): Promise<{ signalled: boolean }> {
  const where = describeRedis(options.redis);
  const { secret, maxShards = DEFAULT_MAX_SHARDS } = options;
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
    // Coordinators claim only workers that sign as they do: a secret given to one side only
    // is named in their waiting line, not found out by requests that go unanswered.
    signed: secret !== undefined,
  };
  const refusals = new Refusals(options.err);
  // Alive for a lease, renewed three times a lease: coordinators find and claim it by this key.
  const presence = await announce(new RedisStore(redis), record, Math.round(options.lease * 1000));

  let session: string | undefined;
  // Each shard held: its thread (its task and inner states) and the queue of its requests.
  let threads = new Map<number, SyncWorker>();
  let queues = new Map<number, Promise<void>>();
  // Each shard's last answer: a request sent again is answered from it.
  let records = new Map<number, { seq: number; bytes: Buffer }>();
  const dropShards = async () => {
    const old = threads;
    threads = new Map();
    queues = new Map();
    records = new Map();
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

  /**
   * One request of the current session, answered on the session's reply list. A request already
   * answered (the coordinator sends one again when its answer is late: lost, or popped by
   * someone else) is answered again from the record, never carried out twice.
   */
  const serve = async (envelope: Envelope): Promise<void> => {
    // A request left over from a session this worker no longer serves is dropped unanswered.
    if (envelope.session !== session) return;
    const answered = records.get(envelope.shard);
    if (answered && envelope.seq <= answered.seq) {
      if (envelope.seq === answered.seq) await post(envelope.session, answered.bytes);
      return;
    }
    const started = performance.now();
    let reply: Omit<Reply, 'ms'>;
    const about = {
      session: envelope.session,
      shard: envelope.shard,
      seq: envelope.seq,
      worker: id,
    };
    try {
      const value = await carryOut(envelope);
      reply = { ...about, ok: true, value };
    } catch (error) {
      const failed = errorReply(error);
      failed.error.message = failed.error.message.slice(0, 2000);
      reply = { ...about, ...failed };
      if (envelope.request.op === 'create')
        options.err(
          `pes: worker ${id}: cannot serve shard ${envelope.shard}: ${reply.error!.message}`,
        );
    }
    if (envelope.request.op === 'close') {
      await threads.get(envelope.shard)?.terminate();
      threads.delete(envelope.shard);
    }
    const bytes = encodeMessage({ ...reply, ms: performance.now() - started }, 'reply', secret);
    records.set(envelope.shard, { seq: envelope.seq, bytes });
    await post(envelope.session, bytes);
  };

  /** A request on its shard's thread (`create` builds the thread). */
  const carryOut = async (envelope: Envelope): Promise<unknown> => {
    const request = envelope.request;
    if (request.op === 'create') return create(envelope);
    const thread = threads.get(envelope.shard);
    // The coordinator rebuilds a shard this worker no longer holds (it was dropped for another
    // session, or this worker restarted): a failure of its own name says so.
    if (!thread) throw named('ShardLost', `worker ${id} holds no shard ${envelope.shard}`);
    return thread.callAsync(request);
  };

  /** Puts a reply on its session's list, which outlives a crashed coordinator by an hour at most. */
  const post = async (to: string, bytes: Buffer): Promise<void> => {
    await redis.multi().rpush(keys.reply(to), bytes).pexpire(keys.reply(to), 3_600_000).exec();
  };

  /** Builds a shard's task from the run config, after checking that we speak the same language. */
  const create = async (envelope: Envelope): Promise<unknown> => {
    if (envelope.version !== PES_VERSION || envelope.protocol !== PROTOCOL) {
      throw new Error(
        `worker ${id} runs @pes ${PES_VERSION} (protocol ${PROTOCOL}), the coordinator ${envelope.version} (protocol ${envelope.protocol}); run the same version on every machine`,
      );
    }
    if (!threads.has(envelope.shard) && threads.size >= maxShards)
      throw named(
        'WorkerFull',
        `it holds ${threads.size} shards, its most (pes worker --max-shards)`,
      );
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
      const read = readEnvelope(popped[1], secret);
      if ('refused' in read) {
        refusals.refuse(keys.inbox(id), read.refused);
        continue;
      }
      const envelope = read.value;
      if (envelope.session !== session) {
        // Only the session that holds this worker's claim may replace the one it serves: an
        // envelope of any other (a stale one, a second run's, a forged one) is ignored.
        const owner = await redis.get(keys.claim(id)).catch(() => null);
        if (owner !== envelope.session) {
          refusals.refuse(
            keys.inbox(id),
            `a request of session ${envelope.session}, which has not claimed this worker`,
          );
          continue;
        }
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
