import { z } from 'zod';
import { DATASETS } from '@pes/inner-problems/tasks';
import { defineCommand } from '../command-line.js';
import { UsageError } from '../errors.js';

/** `pes data info --dataset NAME`: what a dataset's files hold. */
export const dataCommand = defineCommand({
  name: 'data',
  description: 'inspect a dataset',
  arguments: [['<action>', 'info']],
  options: z.strictObject({
    dataset: z.enum(DATASETS).describe('dataset'),
    dir: z
      .string()
      .optional()
      .describe('directory of the official files (MNIST defaults to the embedded digits)')
      .meta({ valueName: 'DIR' }),
  }),
  async action([action], options, io) {
    if (action !== 'info') throw new UsageError(`unknown data action '${action}'; known: info`);
    return (await import('./data-info.js')).dataInfo(options, io);
  },
});
