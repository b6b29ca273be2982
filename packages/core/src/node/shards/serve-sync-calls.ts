import type { MessagePort } from 'node:worker_threads';

/** A failure as it crosses a thread or process boundary: its name and message. */
export function errorReply(error: unknown): {
  ok: false;
  error: { name: string; message: string };
} {
  return {
    ok: false,
    error: {
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    },
  };
}

/**
 * The worker-thread side of a `SyncWorker`: answers each request on `port` with `handle`'s
 * value (or its failure), then raises `flag`, which the calling thread waits on.
 */
export function serveSyncCalls<Request>(
  port: MessagePort,
  flag: Int32Array,
  handle: (request: Request) => Promise<unknown>,
): void {
  const answer = (reply: unknown) => {
    port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  port.on('message', (request: Request) => {
    void handle(request).then(
      (value) => answer({ ok: true, value }),
      (error: unknown) => answer(errorReply(error)),
    );
  });
}
