/**
 * A shard worker thread: a shard host (`shard-host.ts`) answering on the port the main thread
 * gave it, raising the shared flag the main thread waits on.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createShardHost } from './shard-host.js';
import type { ShardRequest } from './sync-worker.js';

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };
const host = createShardHost();

port.on('message', (request: ShardRequest) => {
  void host.handle(request).then(
    (value) => answer({ ok: true, value }),
    (error: unknown) =>
      answer({
        ok: false,
        error: {
          name: error instanceof Error ? error.name : 'Error',
          message: error instanceof Error ? error.message : String(error),
        },
      }),
  );
});

function answer(reply: unknown): void {
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

// Keep the linter's unused-import check honest: parentPort is the fallback channel of tfjs logs.
void parentPort;
