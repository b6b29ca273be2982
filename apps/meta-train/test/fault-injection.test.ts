import type * as NodeFs from 'node:fs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '@pes/core/node';
import { describe, expect, it, vi } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';

/**
 * The file system under a run, with a fault injected into its nth write operation (a write, an
 * append, an fsync or a rename: every step by which a byte reaches the disk).
 */
const faults = vi.hoisted(() => ({
  counting: false,
  operations: 0,
  failAt: 0,
  code: 'ENOSPC' as 'ENOSPC' | 'EIO',
}));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof NodeFs>();
  const faulty =
    <F extends (...args: never[]) => unknown>(name: string, operation: F) =>
    (...args: Parameters<F>): ReturnType<F> => {
      if (faults.counting && ++faults.operations === faults.failAt) {
        throw Object.assign(new Error(`${faults.code}: injected fault, ${name}`), {
          code: faults.code,
        });
      }
      return operation(...args) as ReturnType<F>;
    };
  return {
    ...real,
    writeSync: faulty('write', real.writeSync),
    appendFileSync: faulty('append', real.appendFileSync),
    fsyncSync: faulty('fsync', real.fsyncSync),
    renameSync: faulty('rename', real.renameSync),
  };
});

// A short run with several checkpoints, evaluations and a report: every kind of write.
const run = [
  'meta-train',
  '--task',
  'quadratic',
  '--particles',
  '10',
  '--iterations',
  '8',
  '--eval-every',
  '4',
  '--checkpoint-every',
  '4',
];

const resultOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
const metricIterations = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).iteration as number);

async function faultyRun(out: string, failAt: number, code: 'ENOSPC' | 'EIO') {
  Object.assign(faults, { counting: true, operations: 0, failAt, code });
  try {
    return await pes(...run, '--out', out);
  } finally {
    faults.counting = false;
  }
}

describe('a failing disk at every write of a short run', () => {
  it('each failure is one line (exit 2), loses nothing saved before, and the run then resumes to the uninterrupted θ', async () => {
    const root = temporaryDirectory('pes-faults-');
    const reference = join(root, 'reference');
    const clean = await faultyRun(reference, 0, 'ENOSPC');
    expect(clean.status).toBe(0);
    const writes = faults.operations;
    expect(writes).toBeGreaterThan(20);
    const expected = resultOf(reference);

    const problems: string[] = [];
    for (const code of ['ENOSPC', 'EIO'] as const) {
      for (let failAt = 1; failAt <= writes; failAt++) {
        const out = join(root, `${code}-${failAt}`);
        const failed = await faultyRun(out, failAt, code);
        const where = `${code} at write ${failAt}`;
        if (failed.status !== 0) {
          // One line naming the file and the fault; never a stack trace or another status.
          expect(failed.status, where).toBe(2);
          expect(failed.err, where).toEqual([
            expect.stringMatching(new RegExp(`^pes: cannot (write|append to) \\S+ \\(${code}`)),
          ]);
          // What was saved before is whole: the checkpoint reads back, config.json parses.
          if (existsSync(join(out, 'checkpoint.json')))
            loadCheckpoint(join(out, 'checkpoint.json'));
          if (existsSync(join(out, 'config.json')))
            JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
          expect(
            readdirSync(out).filter((f) => f.includes('.tmp-')),
            where,
          ).toEqual([]);
          // The disk has room again: the run continues (or starts, if nothing was saved yet).
          const again = existsSync(join(out, 'config.json'))
            ? await pes('meta-train', '--resume', out)
            : await pes(...run, '--out', out);
          expect(again.err, where).toEqual([]);
          expect(again.status, where).toBe(0);
        }
        const result = resultOf(out);
        if (
          JSON.stringify(result.theta) !== JSON.stringify(expected.theta) ||
          JSON.stringify(result.history) !== JSON.stringify(expected.history) ||
          metricIterations(out).join() !== Array.from({ length: 8 }, (_, i) => i + 1).join()
        )
          problems.push(where);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
