// The Node-only part of @pes/core ('@pes/core/node'): what needs a file system. Everything
// else is in '@pes/core', which runs in browsers too.

// Checkpoint files: atomic writes, checksummed state
export {
  CheckpointError,
  loadCheckpoint,
  removeStrayTemporaries,
  saveCheckpoint,
  writeFileAtomic,
  WriteError,
} from './node/checkpoint-file.js';

// Particles sharded over worker threads, or over any other pool of shards
export { shardedTask } from './node/shards/sharded-task.js';
export type { ShardedState, ShardedTask } from './node/shards/sharded-task.js';
export { processPool, threadPool, valuesOf } from './node/shards/shard-pool.js';
export type { ShardPool, ShardReply, TaskFactory } from './node/shards/shard-pool.js';
export { SHARD_WORKER, ShardError, SyncWorker } from './node/shards/sync-worker.js';
export { errorReply, serveSyncCalls } from './node/shards/serve-sync-calls.js';
export type { ShardRequest } from './node/shards/sync-worker.js';
