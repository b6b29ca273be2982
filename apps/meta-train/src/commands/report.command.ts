import { z } from 'zod';
import { defineCommand } from '../command-line.js';

/** `pes report DIR`: a run's report.html. */
export const reportCommand = defineCommand({
  name: 'report',
  description:
    'write report.html (curves, θ path, configuration, final figures) into a run directory',
  arguments: [['<DIR>', 'run directory']],
  options: z.strictObject({}),
  async action([dir], _options, io) {
    const { writeReport } = await import('../report.js');
    io.out(await writeReport(dir!));
    return 0;
  },
});
