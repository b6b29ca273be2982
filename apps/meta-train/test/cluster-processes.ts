import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { appRoot, pes, temporaryDirectory } from './helpers.js';

// The built `pes` as coordinator and as workers, for the tests of a cluster over a real Redis.

const bin = join(appRoot, 'bin/pes.js');

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function start(argv: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every process started, killed with kill -9 by `killAll` (a test's afterAll). */
const started: Running[] = [];

export async function startWorkers(
  url: string,
  count: number,
  flags: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Running[]> {
  const list = Array.from({ length: count }, () =>
    start(['worker', '--redis', url, '--lease', '3', ...flags], env),
  );
  started.push(...list);
  for (const w of list) await until(() => w.stdout().includes('joined'), 'a worker to join');
  return list;
}

export function startRun(argv: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const run = start(argv, env);
  started.push(run);
  return run;
}

export async function stopWorkers(list: Running[]): Promise<void> {
  for (const w of list) w.child.kill('SIGTERM');
  await Promise.all(list.map((w) => w.exited));
}

export function killAll(): void {
  for (const p of started) p.child.kill('SIGKILL');
}

export const thetaOf = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { theta: number[] }).theta;

/** θ of the same settings in this process, on one worker thread: the reference. */
export async function inProcess(args: string[]): Promise<number[]> {
  const out = join(temporaryDirectory(), 'run');
  const r = await pes('meta-train', ...args, '--workers', '1', '--out', out);
  expect(r.status, r.err.join('\n')).toBe(0);
  return thetaOf(out);
}

export const metricsLines = (dir: string) =>
  existsSync(join(dir, 'metrics.jsonl'))
    ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').length - 1
    : 0;
