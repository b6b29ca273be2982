import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, spawnPes, temporaryDirectory } from './helpers.js';

// Long enough (a few seconds) to be interrupted after some checkpoints, short enough for CI.
const run = [
  'meta-train',
  '--task',
  'quadratic',
  '--estimator',
  'pes',
  '--particles',
  '200',
  '--iterations',
  '3000',
  '--eval-every',
  '500',
  '--checkpoint-every',
  '100',
];

function resultOf(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
}

function metricIterations(dir: string): number[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).iteration);
}

async function untilMetrics(dir: string, lines: number): Promise<void> {
  const file = join(dir, 'metrics.jsonl');
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').split('\n').length > lines) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('interrupt and resume, as a process', () => {
  it('SIGINT checkpoints and exits 130; kill -9 loses only work since the last checkpoint; both resume to the uninterrupted θ', async () => {
    const root = temporaryDirectory('pes-resume-');
    const straight = join(root, 'straight');
    expect((await exited(spawnPes([...run, '--out', straight]))).code).toBe(0);
    const expected = resultOf(straight);

    const interrupted = join(root, 'sigint');
    const a = spawnPes([...run, '--out', interrupted]);
    await untilMetrics(interrupted, 350);
    a.kill('SIGINT');
    expect((await exited(a)).code).toBe(130);
    expect(a.output().stderr).toMatch(
      /stopped at iteration \d+; resume with: npx pes meta-train --resume /,
    );
    const resumedA = spawnPes(['meta-train', '--resume', interrupted]);
    expect((await exited(resumedA)).code).toBe(0);
    expect(resultOf(interrupted).theta).toEqual(expected.theta);
    expect(resultOf(interrupted).history).toEqual(expected.history);
    expect(metricIterations(interrupted)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));

    const killed = join(root, 'sigkill');
    const b = spawnPes([...run, '--out', killed]);
    await untilMetrics(killed, 350);
    b.kill('SIGKILL');
    expect((await exited(b)).signal).toBe('SIGKILL');
    const resumedB = spawnPes(['meta-train', '--resume', killed]);
    expect((await exited(resumedB)).code).toBe(0);
    expect(resumedB.output().stdout).toMatch(/resuming .* at iteration \d*00 of 3000/);
    expect(resultOf(killed).theta).toEqual(expected.theta);
    expect(metricIterations(killed)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  }, 120_000);
});
