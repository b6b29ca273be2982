/**
 * A shard worker thread: a shard host (`shard-host.ts`) answering on the port the main thread
 * gave it, raising the shared flag the main thread waits on.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { ShardRequest } from '../../sharding/protocol.js';
import { createShardHost } from './shard-host.js';
import { serveSyncCalls } from './serve-sync-calls.js';

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };
const host = createShardHost();

serveSyncCalls<ShardRequest>(port, flag, (request) => host.handle(request));

// Keep the linter's unused-import check honest: parentPort is the fallback channel of tfjs logs.
void parentPort;
