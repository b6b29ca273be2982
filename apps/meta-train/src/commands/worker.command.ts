import { z } from 'zod';
import { defineCommand } from '../command-line.js';
import { EXIT_INTERRUPTED, UsageError } from '../errors.js';

const seconds = (description: string) =>
  z.number().describe(description).meta({ valueName: 'SECONDS' });

/** `pes worker --redis URL`: a machine's share of `pes meta-train --redis` runs. */
export const workerCommand = defineCommand({
  name: 'worker',
  description:
    'join a pool of workers through Redis and compute the particles a `pes meta-train --redis` run gives this machine',
  options: z.strictObject({
    redis: z
      .string()
      .optional()
      .describe(
        'the Redis of the pool (redis:// or rediss://); never printed; default: PES_REDIS_URL, which keeps the password out of `ps`',
      )
      .meta({ valueName: 'URL' }),
    secretFile: z
      .string()
      .optional()
      .describe(
        "the cluster's shared secret (else PES_CLUSTER_SECRET): requests must be signed with it, replies are",
      )
      .meta({ valueName: 'PATH' }),
    maxShards: z
      .int()
      .min(1)
      .max(1024)
      .default(8)
      .describe(
        'the most shards this worker holds at once (each is a thread with its task and data)',
      )
      .meta({ valueName: 'N' }),
    dataDir: z
      .string()
      .optional()
      .describe("this machine's data directory (replaces the run's --data-dir)")
      .meta({ valueName: 'DIR' }),
    lease: seconds('how long this worker may be silent before its shards move to another').default(
      10,
    ),
    wait: seconds('how long to wait for Redis at the start').default(60),
  }),
  async action(_args, options, io) {
    const [cluster, { workerTaskFactory }] = await Promise.all([
      import('@pes/cluster/node'),
      import('@pes/runner/node'),
    ]);
    const lease = cluster.checkSeconds('lease', options.lease);
    const wait = cluster.checkSeconds('wait', options.wait);
    const redis = cluster.redisUrlOf(options.redis, io.err);
    if (redis === undefined)
      throw new UsageError('pes worker needs --redis URL, or the URL in PES_REDIS_URL');
    const secret = cluster.clusterSecret(options.secretFile);
    const { signalled } = await cluster.runWorker({
      redis,
      ...(secret ? { secret } : {}),
      maxShards: options.maxShards,
      // The app's own factory: the worker builds tasks only through it.
      taskFactory: await workerTaskFactory(options.dataDir),
      lease,
      wait,
      out: io.out,
      err: io.err,
    });
    return signalled ? EXIT_INTERRUPTED : 0;
  },
});
