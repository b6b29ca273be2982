import { z } from 'zod';
import { defineCommand } from '../command-line.js';

/** `pes dashboard DIR`: the runs under DIR, served to a browser. */
export const dashboardCommand = defineCommand({
  name: 'dashboard',
  description:
    'serve the runs under DIR to a browser, live as they train: a list, each run, overlays (read-only)',
  arguments: [['<DIR>', 'directory of run directories']],
  options: z.strictObject({
    port: z
      .number()
      .int()
      .optional()
      .describe('port (default: a free one, printed)')
      .meta({ valueName: 'P' }),
    host: z
      .string()
      .optional()
      .describe('address to listen on (default 127.0.0.1, this machine only)')
      .meta({ valueName: 'H' }),
    allowHost: z
      .string()
      .optional()
      .describe(
        'host names, comma-separated, that requests may name besides the address listened on and localhost (others get 403)',
      )
      .meta({ valueName: 'NAMES' }),
  }),
  async action([dir], options, io) {
    return (await import('./dashboard.js')).dashboard(dir!, options, io);
  },
});
