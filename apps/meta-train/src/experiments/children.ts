import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The `pes` entry point of this very build (the TypeScript source under tests, dist/ otherwise). */
function pesCommand(): string[] {
  const source = import.meta.url.endsWith('.ts');
  const cli = fileURLToPath(new URL(source ? '../cli.ts' : '../cli.js', import.meta.url));
  return source ? ['--conditions=@pes/source', '--import', 'tsx', cli] : [cli];
}

/**
 * Runs `pes` commands as child processes, `concurrency` at a time (one per core), each writing
 * its output to `log` in its own directory. Resolves with each command's exit status.
 */
export async function runChildren(
  jobs: { argv: string[]; dir: string }[],
  concurrency: number,
  onExit: (index: number, status: number) => void = () => undefined,
): Promise<number[]> {
  const statuses = new Array<number>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index]!;
      mkdirSync(job.dir, { recursive: true });
      const log = openSync(join(job.dir, 'log.txt'), 'w');
      const child = spawn(process.execPath, [...pesCommand(), ...job.argv], {
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
