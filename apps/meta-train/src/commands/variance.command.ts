import { z } from 'zod';
import { defineCommand, integerFlag } from '../command-line.js';

/** `pes variance --task NAME --unroll K1,K2,…`: PES's error against the number of unrolls. */
export const varianceCommand = defineCommand({
  name: 'variance',
  description:
    'how the error of PES summed over an episode depends on the number of unrolls, for any task',
  options: z.strictObject({
    task: z.string().describe('task with finite episodes').meta({ valueName: 'name' }),
    unroll: z
      .array(z.number())
      .describe('unroll lengths K, comma-separated divisors of the horizon')
      .meta({ valueName: 'list' }),
    out: z
      .string()
      .optional()
      .describe('where results.json, table.md and the plot go')
      .meta({ valueName: 'DIR' }),
    horizon: integerFlag("episode length (default: the task's)", 'T').optional(),
    sigma: z.number().optional().describe("σ (default: the task's)").meta({ valueName: 'S' }),
    particles: integerFlag('particles per estimate', 'N').default(100),
    repeats: integerFlag('estimates per K', 'R').default(20),
    referenceParticles: integerFlag('particles of the full-horizon ES reference', 'N').default(
      2000,
    ),
    seed: integerFlag('random seed', 'S').default(0),
  }),
  async action(_args, options, io) {
    return (await import('@pes/experiments/node')).taskVariance(options, io);
  },
});
