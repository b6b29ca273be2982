/**
 * The relay: a worker thread of the coordinating process that holds its Redis connections and
 * the `Coordinator`. The main thread calls it synchronously (through `SyncWorker`), as it calls
 * a shard thread; the relay keeps its own event loop, so leases are renewed and workers watched
 * while the main thread waits for an iteration's answers.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { serveSyncCalls } from '@pes/core/node';
import { Coordinator, type CoordinatorOptions } from './coordinator.js';
import type { RelayRequest } from './redis-pool.js';

const { port, flag, options, said } = workerData as {
  port: MessagePort;
  flag: Int32Array;
  options: Omit<CoordinatorOptions, 'say'>;
  /** Where the coordinator's lines go (the main thread prints them). */
  said: MessagePort;
};
const coordinator = new Coordinator({ ...options, say: (line) => said.postMessage(line) });

async function handle(request: RelayRequest): Promise<unknown> {
  switch (request.op) {
    case 'create':
      return coordinator.create(request.config);
    case 'exchange':
      return coordinator.exchange(request.requests);
    case 'status':
      return coordinator.status();
    case 'measured':
      return coordinator.measured();
    case 'close':
      return coordinator.close();
    default:
      throw new Error(`relay: unknown request ${(request as { op: string }).op}`);
  }
}

serveSyncCalls(port, flag, handle);
