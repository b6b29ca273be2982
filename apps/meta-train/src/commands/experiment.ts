import { pesCommand } from '../pes-command.js';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ExperimentEntry } from '@pes/experiments/node';
import { describeIssues, flagOf, type Io } from '@pes/runner/node';

/** `pes experiment NAME`: checks the options, makes the output directory, runs the experiment. */
export async function experiment(
  entry: ExperimentEntry,
  options: Record<string, unknown> & { out?: string },
  io: Io,
): Promise<number> {
  const { out, ...rest } = options;
  if (!out)
    throw new UsageError(
      '--out DIR is required: the experiment writes results.json, table.md and plots there',
    );
  const parsed = entry.options.safeParse(rest);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error, rest, flagOf));
  await entry.check?.(parsed.data);
  const dir = resolve(out);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `cannot create output directory ${dir}: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  io.out(`pes: experiment ${entry.name} → ${dir}`);
  await entry.run(dir, parsed.data, { ...io, pes: pesCommand() });
  return 0;
}
