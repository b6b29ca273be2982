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
      .describe('the Redis of the pool (redis:// or rediss://); never printed')
      .meta({ valueName: 'URL' }),
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
    for (const flag of ['lease', 'wait'] as const)
      if (!(options[flag] > 0 && options[flag] <= 86_400))
        throw new UsageError(
          `--${flag} must be between 0 and 86400 seconds (got ${options[flag]})`,
        );
    const [{ runWorker, parseRedisUrl }, { workerTaskFactory }] = await Promise.all([
      import('@pes/cluster/node'),
      import('@pes/runner/node'),
    ]);
    const { signalled } = await runWorker({
      redis: parseRedisUrl(options.redis),
      // The app's own factory: the worker builds tasks only through it.
      taskFactory: await workerTaskFactory(options.dataDir),
      lease: options.lease,
      wait: options.wait,
      out: io.out,
      err: io.err,
    });
    return signalled ? EXIT_INTERRUPTED : 0;
  },
});
