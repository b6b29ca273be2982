/**
 * The relay of a process pool: a worker thread of the coordinating process that forks the shard
 * processes and carries requests to them and answers back. The main thread calls it
 * synchronously (through `SyncWorker`), as it calls a shard thread; IPC messages need an event
 * loop that is not blocked, and this thread's is free.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { workerData, type MessagePort } from 'node:worker_threads';
import { serveSyncCalls } from './serve-sync-calls.js';
import type { ShardRequest } from '../../sharding/protocol.js';
import type { ProcessRelayRequest } from './shard-pool.js';

const { port, flag, workers } = workerData as {
  port: MessagePort;
  flag: Int32Array;
  workers: number;
};

interface Reply {
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string };
}

const typescript = import.meta.url.endsWith('.ts');
const entry = fileURLToPath(
  new URL(`./shard-process.${typescript ? 'ts' : 'js'}`, import.meta.url),
);
const children: ChildProcess[] = Array.from({ length: workers }, () =>
  fork(entry, [], {
    // Structured clone: typed arrays travel as their bytes, so θ and losses arrive bit for bit.
    serialization: 'advanced',
    // tsx is the workspace's development loader; a built installation never takes this path.
    execArgv: typescript ? ['--conditions=@pes/source', '--import', 'tsx'] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  }),
);

function call(child: ChildProcess, request: ShardRequest): Promise<Reply> {
  return new Promise((resolve) => {
    const onExit = (code: number | null) =>
      resolve({
        ok: false,
        error: { name: 'Error', message: `shard process exited (status ${code})` },
      });
    child.once('exit', onExit);
    child.once('message', (reply: Reply) => {
      child.off('exit', onExit);
      resolve(reply);
    });
    child.send(request);
  });
}

async function handle(request: ProcessRelayRequest): Promise<unknown> {
  switch (request.op) {
    case 'create':
      return Promise.all(children.map((c) => call(c, { op: 'create', factory: request.factory })));
    case 'exchange':
      return Promise.all(request.requests.map((r, i) => (r ? call(children[i]!, r) : undefined)));
    case 'close':
      for (const c of children) c.kill();
      await Promise.all(
        children.map((c) =>
          c.exitCode !== null || c.signalCode !== null
            ? undefined
            : new Promise((r) => c.once('exit', r)),
        ),
      );
      return null;
    default:
      throw new Error(`process relay: unknown request ${(request as { op: string }).op}`);
  }
}

serveSyncCalls(port, flag, handle);
