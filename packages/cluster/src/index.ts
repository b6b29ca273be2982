// @pes/cluster ('@pes/cluster/node': the whole package is Node's): the shards of a run held by
// `pes worker` processes on other machines, coordinated through Redis.

// The coordinating side: a ShardPool for shardedTask, and what it has measured
export { redisPool } from './redis-pool.js';
export type { RedisPool } from './redis-pool.js';
export { Coordinator } from './coordinator.js';
export type { CoordinatorOptions } from './coordinator.js';
export { CoordinatorMetrics, shortName } from './stats.js';
export type { CoordinatorStats } from './stats.js';

// The coordinator's parts: each shard's journal (pure), the roster of workers over a key-value
// store (Redis, or memory), and the post to and from the workers
export { MAX_REPLAY_MS, MIN_LOG_BYTES, ShardJournal } from './journal.js';
export type { RequestCost, SnapshotPolicy } from './journal.js';
export { announce, WorkerRoster } from './roster.js';
export type { RosterOptions } from './roster.js';
export { MemoryStore } from './store.js';
export type { KeyValueStore } from './store.js';
export { RedisStore } from './redis-store.js';
export { RedisMailbox } from './mailbox.js';
export type { Posted, Received } from './mailbox.js';

// The worker's side: `pes worker`, given its app's task factory
export { DEFAULT_MAX_SHARDS, runWorker } from './worker.js';
export type { WorkerOptions } from './worker.js';

// Redis URLs and connections; the cluster's errors (the user's to fix)
export { describeRedis, parseRedisUrl } from './redis-url.js';
export { connectRedis, CoordinatorLink, redisReason } from './connection.js';
export { ClusterError } from './errors.js';
export {
  checkSeconds,
  clusterSecret,
  LEASE_BOUNDS,
  MIN_SECRET_BYTES,
  redisUrlOf,
  WAIT_BOUNDS,
} from './settings.js';

// What coordinators and workers say to each other, and under which keys
export { CLAIM_SCRIPT, keys, PES_VERSION, PROTOCOL, RENEW_SCRIPT, valueOf } from './protocol.js';
export type { ClusterRequest, Envelope, Reply, WorkerRecord } from './protocol.js';
export { decode, encode, encodeMessage, readEnvelope, readReply } from './wire.js';
export type { Read } from './wire.js';
export { resultProblem } from './messages.js';
export { MESSAGE_LIMITS, serializedProblem } from './serialized-limits.js';
export type { SerializedLimits } from './serialized-limits.js';
export { seal, unseal } from './signing.js';
export { Refusals } from './refusals.js';
export { MAX_LEASE_MS } from './roster.js';
