/**
 * What a coordinator and its `pes worker`s say to each other through Redis, and under which keys.
 *
 * - `pes:alive:<worker>`: a worker's record (version, host, pid), set with a time to live of one
 *   lease and renewed three times per lease: a worker whose key is gone is dead.
 * - `pes:claim:<worker>`: the session that owns the worker, set (NX) by a coordinator with the
 *   same time to live and renewed by it: a dead coordinator's workers are free again after a lease.
 * - `pes:inbox:<worker>`: the requests for the worker's shards, a list it pops.
 * - `pes:reply:<session>`: the answers of every worker of a session, a list the coordinator pops.
 *
 * Messages are v8-serialised values (typed arrays travel as their bytes, so θ and losses arrive
 * bit for bit); they hold data only, never code: a worker builds its task from a validated run
 * config through the task factory its app gave it (`runWorker`'s `taskFactory`). Every message
 * read is checked before use (`readEnvelope`, `readReply`): its signature where there is a
 * secret, its size and depth before it is deserialised, then its schema (messages.ts).
 */
import { readFileSync } from 'node:fs';
import type { ShardRequest } from '@pes/core';

/** Bumped whenever the messages below change: a worker and a coordinator must agree on it. */
export const PROTOCOL = 2;

/**
 * The version of this installation of @pes: @pes/cluster's package version (the packages and the
 * app are versioned together), read from src/ under tests and from dist/ when built.
 */
export const PES_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

export const keys = {
  alive: (worker: string) => `pes:alive:${worker}`,
  alivePattern: 'pes:alive:*',
  claim: (worker: string) => `pes:claim:${worker}`,
  inbox: (worker: string) => `pes:inbox:${worker}`,
  reply: (session: string) => `pes:reply:${session}`,
};

/** A worker's record under its alive key. */
export interface WorkerRecord {
  id: string;
  version: string;
  protocol: number;
  host: string;
  pid: number;
  /** Whether the worker has the cluster's secret (and so reads only signed requests). */
  signed?: boolean;
}

/**
 * What a coordinator asks of a worker's shard: a shard request, but `create` carries the run's
 * config (the worker makes its own factory from it), never a module to import.
 */
export type ClusterRequest =
  Exclude<ShardRequest, { op: 'create' }> | { op: 'create'; config: unknown };

/** A request for one shard of a session. `seq` counts the shard's requests. */
export interface Envelope {
  session: string;
  shard: number;
  seq: number;
  /** The coordinator's version and protocol, checked by the worker on `create`. */
  version: string;
  protocol: number;
  request: ClusterRequest;
}

/** A worker's answer to one envelope. */
export interface Reply {
  /** The session of the envelope answered (signed with the rest where there is a secret). */
  session: string;
  shard: number;
  seq: number;
  worker: string;
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string };
  /** Milliseconds the shard computed. */
  ms: number;
}

/**
 * Claims a free worker for a session: only if the worker is alive and unclaimed (one atomic
 * step on the server, so two coordinators never own one worker).
 */
export const CLAIM_SCRIPT = `
if redis.call('exists', KEYS[1]) == 0 then return 0 end
if redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

/** Renews a claim only while it is still this session's. */
export const RENEW_SCRIPT = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;

/** Releases a claim only while it is still this session's (never another run's). */
export const RELEASE_SCRIPT = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** A reply's value; its failure, rethrown under the worker's error name. */
export function valueOf(reply: Reply): unknown {
  if (reply.ok) return reply.value;
  const error = new Error(reply.error!.message);
  error.name = reply.error!.name;
  throw error;
}
