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
} from './checkpoint-file.js';

// Particles sharded over worker threads, or over any other pool of shards
export { shardedTask } from './shards/sharded-task.js';
export type { ShardedState, ShardedTask } from './shards/sharded-task.js';
export { processPool, threadPool, valuesOf } from './shards/shard-pool.js';
export type { ProcessRelayRequest, ShardPool, ShardReply } from './shards/shard-pool.js';
export { SHARD_WORKER, ShardError, SyncWorker } from './shards/sync-worker.js';
export { errorReply, serveSyncCalls } from './shards/serve-sync-calls.js';
// The shard protocol's types are '@pes/core''s (browser-safe); here too for the pools' users.
export type { ShardRequest, TaskFactory } from '../sharding/protocol.js';
