import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, runBuilt, spawnBuilt, temporaryDirectory, until } from './helpers.js';

// Short, with a checkpoint every 10 of its 200 iterations: kills land in every phase.
const ITERATIONS = 200;
const run = [
  'meta-train',
  '--task',
  'quadratic',
  '--particles',
  '20',
  '--iterations',
  String(ITERATIONS),
  '--eval-every',
  '100',
  '--checkpoint-every',
  '10',
];
const KILL_IN_WRITE = join(import.meta.dirname, 'fixtures/kill-in-checkpoint-write.mjs');

/** mulberry32: the instants are the same on every run of the test. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const resultOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));

describe('kill -9 at seeded instants of a real run, and in the middle of a checkpoint write', () => {
  it('every run then resumes to the uninterrupted θ, bit for bit, with nothing left behind', async () => {
    const root = temporaryDirectory('pes-kill-');
    const straight = join(root, 'straight');
    // The instants fall between config.json's appearing and the end: the run's own life.
    const first = spawnBuilt([...run, '--out', straight]);
    const firstDone = exited(first);
    await until(() => existsSync(join(straight, 'config.json')));
    const started = performance.now();
    expect((await firstDone).code).toBe(0);
    const duration = performance.now() - started;
    const expected = resultOf(straight);
    const random = seeded(14);
    const kills = Array.from({ length: 20 }, (_, i) =>
      // Four kills inside a checkpoint write (the nth checkpoint's, half its bytes written).
      i % 5 === 4
        ? { i, inWrite: 1 + Math.floor(random() * (ITERATIONS / 10)) }
        : { i, at: random() * duration },
    );
    const problems: string[] = [];
    const killAndResume = async ({
      i,
      inWrite,
      at,
    }: {
      i: number;
      inWrite?: number;
      at?: number;
    }) => {
      const out = join(root, `kill-${i}`);
      const child = spawnBuilt(
        [...run, '--out', out],
        inWrite === undefined
          ? {}
          : {
              nodeArgs: ['--import', KILL_IN_WRITE],
              env: { PES_TEST_KILL_IN_CHECKPOINT_WRITE: String(inWrite) },
            },
      );
      const done = exited(child);
      let timer: NodeJS.Timeout | undefined;
      if (at !== undefined) {
        await until(() => existsSync(join(out, 'config.json')) || child.exitCode !== null);
        timer = setTimeout(() => child.kill('SIGKILL'), at);
      }
      const { code, signal } = await done;
      clearTimeout(timer);
      const where = inWrite
        ? `killed in checkpoint write ${inWrite}`
        : `killed at ${at!.toFixed(0)} ms`;
      if (inWrite !== undefined) {
        // The kill did land inside the write: a torn temporary file beside the checkpoint.
        expect(signal, where).toBe('SIGKILL');
        expect(
          readdirSync(out).some((f) => /^checkpoint\.json\.tmp-\d+$/.test(f)),
          where,
        ).toBe(true);
      }
      if (code === 0) return; // it finished first: nothing to resume
      expect(signal, where).toBe('SIGKILL');
      const again = existsSync(join(out, 'config.json'))
        ? await runBuilt(['meta-train', '--resume', out])
        : await runBuilt([...run, '--out', out]);
      expect(again.stderr, where).toBe('');
      expect(again.code, where).toBe(0);
      const result = resultOf(out);
      if (JSON.stringify(result.theta) !== JSON.stringify(expected.theta)) problems.push(where);
      if (JSON.stringify(result.history) !== JSON.stringify(expected.history)) problems.push(where);
      expect(
        readdirSync(out).filter((f) => f.includes('.tmp-') || f.includes('lock')),
        where,
      ).toEqual([]);
    };
    // Two at a time: each kill is two processes, most of whose time is loading the CLI.
    let next = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (next < kills.length) await killAndResume(kills[next++]!);
      }),
    );
    expect(problems).toEqual([]);
  }, 180_000);
});
