/**
 * A shard in a child process of its own: a shard host (`shard-host.ts`) answering over the IPC
 * channel of `child_process.fork`. A process has its own heap and garbage collector, which is
 * what lets two shards on two cores run side by side without slowing each other down.
 */
import { errorReply } from './serve-sync-calls.js';
import { createShardHost } from './shard-host.js';
import type { ShardRequest } from '../../sharding/protocol.js';

const host = createShardHost();

process.on('message', (request: ShardRequest) => {
  void host.handle(request).then(
    (value) => process.send!({ ok: true, value }),
    (error: unknown) => process.send!(errorReply(error)),
  );
});
// The coordinating process is gone: nothing is left to compute for.
process.on('disconnect', () => process.exit(0));
