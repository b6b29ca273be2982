import { z } from 'zod';
import { defineCommand } from '../command-line.js';

/** `pes compare DIR… --out DIR`: several runs in one report. */
export const compareCommand = defineCommand({
  name: 'compare',
  description: "overlay several runs' curves in one report, with a table of their final figures",
  arguments: [['<DIR...>', 'run directories']],
  options: z.strictObject({
    out: z.string().describe('where compare.html and its plots go').meta({ valueName: 'DIR' }),
  }),
  async action(dirs, { out }, io) {
    const { writeComparison } = await import('../report.js');
    io.out(await writeComparison(dirs, out));
    return 0;
  },
});
