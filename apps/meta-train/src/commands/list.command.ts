import { z } from 'zod';
import { defineCommand } from '../command-line.js';

/** `pes list`: every task, estimator, experiment and choice. */
export const listCommand = defineCommand({
  name: 'list',
  description: 'name every task, estimator, experiment and choice, one line each',
  options: z.strictObject({}),
  async action(_args, _options, io) {
    return (await import('./list.js')).list(io);
  },
});
