import {
  MessageChannel,
  receiveMessageOnPort,
  Worker,
  type MessagePort,
} from 'node:worker_threads';
import type { ShardRequest } from '../../sharding/protocol.js';

/** What a worker answers: its value, or its failure by name and message. */
interface ShardReply {
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string };
}

/** A worker error, rethrown on the main thread under the worker's error name (DataError, …). */
export class ShardError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** The shard worker of this installation: JavaScript when built, TypeScript under tests. */
export const SHARD_WORKER = new URL(
  `./shard-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

/**
 * A worker's entry: the build's JavaScript as it is, or under tests the TypeScript source,
 * loaded through tsx's loader registered inside the worker (a worker's `--import` runs too late
 * for its entry).
 */
function workerSource(module: URL): { script: string | URL; eval: boolean; execArgv: string[] } {
  if (!module.href.endsWith('.ts')) return { script: module, eval: false, execArgv: [] };
  const entry = JSON.stringify(module.href);
  // tsx is the workspace's development loader; a built installation never takes this path.
  const loader = JSON.stringify('tsx/esm/api');
  return {
    script: `import(${loader}).then(({ register }) => { register(); return import(${entry}); });`,
    eval: true,
    execArgv: ['--conditions=@pes/source'],
  };
}

/**
 * A worker thread the main thread calls synchronously: `send` posts a request, `receive` blocks
 * (Atomics.wait on a shared flag) until the worker has answered, then takes the answer off the
 * port with `receiveMessageOnPort`. Sending to every worker before receiving from any lets them
 * work in parallel; the Task interface stays synchronous, so every estimator runs unchanged.
 * (Pools such as piscina or tinypool hand a task to any free worker; a shard's inner states
 * must stay in the worker that owns them, and their calls are asynchronous.)
 *
 * `Request`: what the worker's entry answers (a shard's requests unless it is a relay).
 */
export class SyncWorker<Request extends object = ShardRequest> {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  /** Never notified: waiting on it is a short sleep. */
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));
  private pending = false;

  /**
   * `entry`: the worker's module (the shard worker unless said otherwise); it reads `port` and
   * `flag` from its workerData, beside `data`.
   */
  constructor(
    options: { entry?: URL; data?: Record<string, unknown>; transfer?: MessagePort[] } = {},
  ) {
    const { port1, port2 } = new MessageChannel();
    const { script, eval: isCode, execArgv } = workerSource(options.entry ?? SHARD_WORKER);
    this.worker = new Worker(script, {
      eval: isCode,
      workerData: { ...options.data, port: port2, flag: this.flag },
      transferList: [port2, ...(options.transfer ?? [])],
      execArgv,
      stdout: false,
      stderr: false,
    });
    // A worker that stays idle must not keep the process alive.
    this.worker.unref();
    this.port = port1;
  }

  send(request: Request, transfer: ArrayBuffer[] = []): void {
    if (this.pending) throw new Error('shard worker: a request is already pending');
    Atomics.store(this.flag, 0, 0);
    this.pending = true;
    this.port.postMessage(request, transfer);
  }

  receive(): unknown {
    if (!this.pending) throw new Error('shard worker: no request pending');
    // The worker raises the flag after posting its answer, but the answer can reach this
    // thread's port a moment after the flag: wait for the flag, then for the message.
    let message = receiveMessageOnPort(this.port);
    while (!message) {
      if (Atomics.wait(this.flag, 0, 0, 1000) === 'timed-out') {
        if (this.worker.threadId < 0) throw new Error('shard worker exited');
      } else {
        Atomics.wait(this.pause, 0, 0, 0.05);
      }
      message = receiveMessageOnPort(this.port);
    }
    this.pending = false;
    const reply = message.message as ShardReply;
    if (!reply.ok) throw new ShardError(reply.error!.name, reply.error!.message);
    return reply.value;
  }

  /**
   * A request answered asynchronously: the main thread keeps its event loop while the worker
   * loads modules (the first request), which module-loading hooks such as tsx's need.
   */
  async callAsync(request: Request): Promise<unknown> {
    if (this.pending) throw new Error('shard worker: a request is already pending');
    const answered = new Promise<ShardReply>((resolve, reject) => {
      this.port.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.once('exit', (code) =>
        reject(new Error(`shard worker exited with status ${code}`)),
      );
    });
    this.port.postMessage(request);
    const reply = await answered;
    this.worker.removeAllListeners('error');
    this.worker.removeAllListeners('exit');
    if (!reply.ok) throw new ShardError(reply.error!.name, reply.error!.message);
    return reply.value;
  }

  call(request: Request): unknown {
    this.send(request);
    return this.receive();
  }

  terminate(): Promise<number> {
    this.port.close();
    return this.worker.terminate();
  }
}
