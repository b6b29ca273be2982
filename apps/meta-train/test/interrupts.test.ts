import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, runBuilt, spawnBuilt, temporaryDirectory, until } from './helpers.js';

// A horizon long enough that each evaluation (start and end) takes about half a second, so that a
// signal can land inside one; few, cheap iterations between them.
const ITERATIONS = 20;
const run = [
  'meta-train',
  '--task',
  'quadratic',
  '--horizon',
  '2000000',
  '--unroll',
  '10',
  '--particles',
  '10',
  '--iterations',
  String(ITERATIONS),
  '--eval-every',
  '0',
];

const resultOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
const metricLines = (dir: string) =>
  existsSync(join(dir, 'metrics.jsonl'))
    ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length
    : 0;

/** A killed-by-SIGINT process (the default action) or one that stopped on it (130). */
const interrupted = ({ code, signal }: { code: number | null; signal: string | null }) =>
  code === 130 || signal === 'SIGINT';

describe('an interrupt at any instant leaves a resumable run', () => {
  it('SIGINT during the initial evaluation, during the final one, or with only config.json left: --resume gives the uninterrupted θ', async () => {
    const root = temporaryDirectory('pes-interrupt-');
    const straight = join(root, 'straight');
    expect((await runBuilt([...run, '--out', straight])).code).toBe(0);
    const expected = resultOf(straight);

    // Only the settings: what a kill between config.json and the first checkpoint leaves.
    const settingsOnly = join(root, 'settings-only');
    mkdirSync(settingsOnly);
    copyFileSync(join(straight, 'config.json'), join(settingsOnly, 'config.json'));
    const fromSettings = await runBuilt(['meta-train', '--resume', settingsOnly]);
    expect(fromSettings.stderr).toBe('');
    expect(fromSettings.code).toBe(0);
    expect(fromSettings.stdout).toMatch(/resuming .* from the start \(no checkpoint yet\)/);
    expect(resultOf(settingsOnly).theta).toEqual(expected.theta);
    expect(resultOf(settingsOnly).history).toEqual(expected.history);

    // Ctrl-C as the initial θ is evaluated: stops at once (no checkpoint yet), the settings stay.
    const initial = join(root, 'initial');
    const a = spawnBuilt([...run, '--out', initial]);
    const aDone = exited(a);
    await until(() => a.output().stdout.includes('evaluating the initial θ'));
    a.kill('SIGINT');
    expect(interrupted(await aDone)).toBe(true);
    expect(existsSync(join(initial, 'config.json'))).toBe(true);
    const resumedA = await runBuilt(['meta-train', '--resume', initial]);
    expect(resumedA.code).toBe(0);
    expect(resultOf(initial).theta).toEqual(expected.theta);
    expect(resultOf(initial).history).toEqual(expected.history);

    // Ctrl-C during the final evaluation: it stops there with a checkpoint, writes no result.
    const final = join(root, 'final');
    const b = spawnBuilt([...run, '--out', final]);
    const bDone = exited(b);
    // Iteration 19's line is written: iteration 20, whose evaluation is most of it, is under way.
    await until(() => metricLines(final) >= ITERATIONS - 1);
    b.kill('SIGINT');
    expect((await bDone).code).toBe(130);
    expect(b.output().stderr).toMatch(/stopped at iteration 20; resume with/);
    expect(existsSync(join(final, 'result.json'))).toBe(false);
    const resumedB = await runBuilt(['meta-train', '--resume', final]);
    expect(resumedB.code).toBe(0);
    expect(resultOf(final).theta).toEqual(expected.theta);
    expect(resultOf(final).history).toEqual(expected.history);
    expect(metricLines(final)).toBe(ITERATIONS);
    // Nothing left behind but the run's own files.
    expect(readdirSync(final).filter((f) => f.includes('.tmp-') || f.includes('lock'))).toEqual([]);
  }, 90_000);
});
