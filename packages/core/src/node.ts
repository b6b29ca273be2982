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

// Particles sharded over worker threads
export { shardedTask } from './node/shards/sharded-task.js';
export type { ShardedState, ShardedTask, TaskFactory } from './node/shards/sharded-task.js';
export { ShardError } from './node/shards/sync-worker.js';
