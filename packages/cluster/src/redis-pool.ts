import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { SyncWorker, valuesOf, type ShardPool } from '@pes/core/node';
import type { CoordinatorOptions } from './coordinator.js';
import type { CoordinatorStats } from './stats.js';
import type { ClusterRequest, Reply } from './protocol.js';

/** What the relay is asked by the main thread. */
export type RelayRequest =
  | { op: 'create'; config: unknown }
  | { op: 'exchange'; requests: readonly (ClusterRequest | undefined)[] }
  | { op: 'status' }
  | { op: 'measured' }
  | { op: 'close' };

/** The relay of this installation: JavaScript when built, TypeScript under tests. */
const RELAY = new URL(`./relay.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

export interface RedisPool extends ShardPool {
  /** Bytes moved, Redis's share of the time, takeovers and each worker's speed so far. */
  measured(): CoordinatorStats;
}

/**
 * A pool of `shards` shards held by `pes worker` processes attached through Redis. The shards'
 * tasks are built by the workers from the run's config alone (`create` sends the config, never
 * a module or code, and no data: each worker reads its own).
 */
export function redisPool(
  options: Omit<CoordinatorOptions, 'say'> & { say: (line: string) => void },
): RedisPool {
  const { say, ...data } = options;
  // PES_SHARD_LOG_BYTES: how long a shard's request log may grow before the shard is
  // snapshotted (a tuning knob; the tests make it small to exercise snapshot and replay).
  const minLogBytes = Number(process.env.PES_SHARD_LOG_BYTES);
  if (Number.isInteger(minLogBytes) && minLogBytes > 0) Object.assign(data, { minLogBytes });
  // What the coordinator says comes on a port of its own: printed as it comes while this thread
  // is free, and taken off the port before an answer is used while it waits, so lines keep
  // their order around an error.
  const { port1: said, port2 } = new MessageChannel();
  said.on('message', (line: string) => say(line));
  said.unref();
  const drain = () => {
    for (let m = receiveMessageOnPort(said); m; m = receiveMessageOnPort(said))
      say(m.message as string);
  };
  const relay = new SyncWorker<RelayRequest>({
    entry: RELAY,
    data: { options: data, said: port2 },
    transfer: [port2],
  });
  const call = (request: RelayRequest) => {
    try {
      return relay.call(request);
    } finally {
      drain();
    }
  };
  return {
    size: options.shards,
    kind: 'pes workers through Redis',
    async create(factory) {
      const config = (factory.options as { config: unknown }).config;
      return (await relay.callAsync({ op: 'create', config })) as unknown[];
    },
    exchange(requests) {
      // Every shard request but `create` (sent by `create` above) goes to the workers as it is.
      return valuesOf(
        call({
          op: 'exchange',
          requests: requests as readonly (ClusterRequest | undefined)[],
        }) as (Reply | undefined)[],
      );
    },
    status: () => call({ op: 'status' }) as string,
    measured: () => call({ op: 'measured' }) as CoordinatorStats,
    async close() {
      try {
        await relay.callAsync({ op: 'close' });
      } finally {
        said.close();
        await relay.terminate();
      }
    },
  };
}
