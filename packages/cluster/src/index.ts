// @pes/cluster ('@pes/cluster/node': the whole package is Node's): the shards of a run held by
// `pes worker` processes on other machines, coordinated through Redis.

// The coordinating side: a ShardPool for shardedTask, and what it has measured
export { redisPool } from './redis-pool.js';
export type { RedisPool } from './redis-pool.js';
export { Coordinator } from './coordinator.js';
export type { CoordinatorOptions, CoordinatorStats } from './coordinator.js';

// The worker's side: `pes worker`, given its app's task factory
export { runWorker } from './worker.js';
export type { WorkerOptions } from './worker.js';

// Redis URLs and connections; the cluster's errors (the user's to fix)
export { describeRedis, parseRedisUrl } from './redis-url.js';
export { connectRedis, redisReason } from './connection.js';
export { ClusterError } from './errors.js';

// What coordinators and workers say to each other, and under which keys
export { decode, encode, keys, PES_VERSION, PROTOCOL } from './protocol.js';
export type { ClusterRequest, Envelope, Reply, WorkerRecord } from './protocol.js';
