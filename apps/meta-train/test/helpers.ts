import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/index.js';

export const appRoot = join(import.meta.dirname, '..');

export function temporaryDirectory(prefix = 'pes-app-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `pes` in this process, capturing its output lines. */
export async function pes(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, out, err };
}

/**
 * Starts `pes` as a child process from the TypeScript source (tsx, with the @pes/source
 * condition), so signals and exit codes are real and no build is needed.
 */
export function spawnPes(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess & { output: () => { stdout: string; stderr: string } } {
  const child = spawn(
    process.execPath,
    ['--conditions=@pes/source', '--import', 'tsx', join(appRoot, 'src/cli.ts'), ...argv],
    { cwd: appRoot, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return Object.assign(child, { output: () => ({ stdout, stderr }) });
}

export function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

/** The built `pes` (bin/pes.js) as a child process, as a user runs it: real signals, locks and pids. */
export function spawnBuilt(
  argv: string[],
  options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): ChildProcess & { output: () => { stdout: string; stderr: string } } {
  const node = [...(options.nodeArgs ?? []), join(appRoot, 'bin/pes.js')];
  const child = spawn(process.execPath, [...node, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: '1', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return Object.assign(child, { output: () => ({ stdout, stderr }) });
}

/** Runs the built `pes` to its end. */
export async function runBuilt(argv: string[]) {
  const child = spawnBuilt(argv);
  const { code, signal } = await exited(child);
  return { code, signal, ...child.output() };
}

/** Waits (polling) until `condition` holds. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}
