import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';
import type { EvaluateOptimizerOptions } from './evaluate-optimizer-options.js';
import { type RunConfig, flagOf } from '@pes/runner/node';

/**
 * A `pes meta-train` run with every setting in `config`: written into its run directory `out`
 * as CHILD_CONFIG and run as `pes meta-train --config FILE --out DIR`. The directory belongs to
 * the experiment, so a run already there is replaced.
 */
export interface MetaTrainChild {
  command: 'meta-train';
  config: RunConfig;
  out: string;
}

/**
 * A `pes evaluate-optimizer` run into `out`; settings left out take the command's defaults.
 */
export interface EvaluateOptimizerChild {
  command: 'evaluate-optimizer';
  options: Partial<EvaluateOptimizerOptions> & { weights: string; out: string };
}

export type ChildRun = MetaTrainChild | EvaluateOptimizerChild;

/** The settings file of a meta-train child, in its run directory beside the config.json it writes. */
export const CHILD_CONFIG = 'child-config.json';

/** Where a child writes: its output directory, which also holds its log.txt. */
export function childDirectory(run: ChildRun): string {
  return run.command === 'meta-train' ? run.out : run.options.out;
}

/**
 * The one place a child's command line is made. A meta-train child's settings travel as its
 * config file; evaluate-optimizer takes no config file, so its options become the flags of
 * the same names.
 */
function commandLine(run: ChildRun): string[] {
  if (run.command === 'meta-train') {
    const file = join(run.out, CHILD_CONFIG);
    writeFileAtomic(file, `${JSON.stringify(run.config, null, 2)}\n`);
    return ['meta-train', '--config', file, '--out', run.out, '--overwrite'];
  }
  return [
    'evaluate-optimizer',
    ...Object.entries(run.options).flatMap(([field, value]) => {
      if (value === undefined) return [];
      // A switch: `--name` when on, `--no-name` when off (the command's negated flags).
      if (typeof value === 'boolean') return [flagOf(field).replace(/^--/, value ? '--' : '--no-')];
      return [flagOf(field), Array.isArray(value) ? value.join(',') : String(value)];
    }),
  ];
}

/**
 * Runs `pes` commands as child processes, `concurrency` at a time (one per core), each writing
 * its output to `log.txt` in its own directory. Resolves with each command's exit status.
 */
export async function runChildren(
  runs: readonly ChildRun[],
  concurrency: number,
  /** The command line that starts this very `pes` (`ExperimentIo.pes`). */
  pes: readonly string[],
  onExit: (index: number, status: number) => void = () => undefined,
): Promise<number[]> {
  const statuses = new Array<number>(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const index = next++;
      const run = runs[index]!;
      const dir = childDirectory(run);
      mkdirSync(dir, { recursive: true });
      const log = openSync(join(dir, 'log.txt'), 'w');
      const child = spawn(process.execPath, [...pes, ...commandLine(run)], {
        stdio: ['ignore', log, log],
      });
      statuses[index] = await new Promise<number>((resolve) =>
        child.on('exit', (code) => resolve(code ?? 1)),
      );
      closeSync(log);
      onExit(index, statuses[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return statuses;
}
