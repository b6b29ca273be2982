import { estimatorRegistry } from '@pes/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';
import { run, TINY } from './tiny-runs.js';
import { selectBackend, buildRun, resolveConfig, resolveRun } from '@pes/runner/node';

describe('particles sharded over worker threads: the same θ, bit for bit, for 1, 2 and 3 workers', () => {
  const methods = estimatorRegistry.filter((e) => !e.needsForwardMode).map((e) => e.name);
  it.each(Object.keys(TINY))(
    '%s, every estimator it supports',
    async (task) => {
      await selectBackend();
      const served: string[] = [];
      for (const estimator of methods) {
        const config = resolveConfig({
          task,
          estimator,
          particles: 6,
          iterations: 3,
          evalEvery: 0,
          seed: 5,
          ...TINY[task],
        });
        const one = await run(config, 1);
        if (!one) continue;
        served.push(estimator);
        for (const workers of [2, 3]) {
          const many = await run(config, workers);
          expect(many?.sharded, `${estimator}: worker threads`).toBe(workers);
          expect(many?.theta, `${estimator}, ${workers} workers`).toBe(one.theta);
          expect(many?.metaLosses).toEqual(one.metaLosses);
          expect(many?.evaluation).toEqual(one.evaluation);
        }
      }
      // Every task serves the ES family at least.
      expect(served).toEqual(expect.arrayContaining(['pes', 'tes', 'nres']));
    },
    240_000,
  );
});

describe('particles sharded over child processes (--isolation processes): the same θ, bit for bit', () => {
  it.each(['mnist-lr-schedule', 'lopt-mnist', 'lopt-family', 'swimmer'])(
    '%s with pes and tes, 2 processes',
    async (task) => {
      await selectBackend();
      for (const estimator of ['pes', 'tes']) {
        const config = resolveConfig({
          task,
          estimator,
          particles: 6,
          iterations: 3,
          evalEvery: 0,
          seed: 5,
          ...TINY[task],
        });
        const one = await run(config, 1);
        const two = await run(config, 2, 'processes');
        expect(two?.sharded).toBe(2);
        expect(two?.theta, `${task} ${estimator}`).toBe(one?.theta);
        expect(two?.metaLosses).toEqual(one?.metaLosses);
        expect(two?.evaluation).toEqual(one?.evaluation);
      }
    },
    240_000,
  );
});

describe('the automatic isolation', () => {
  it('puts a task whose shared data set is small (embedded MNIST) in worker processes', async () => {
    const config = resolveRun({
      task: 'mnist-lr-schedule',
      particles: 4,
      ...TINY['mnist-lr-schedule'],
    });
    const built = await buildRun(config, { workers: 2 });
    try {
      expect((built.task as unknown as { pool: { kind: string } }).pool.kind).toBe(
        'worker processes',
      );
    } finally {
      built.task.close?.();
    }
  }, 120_000);
});

describe('pes meta-train --workers', () => {
  it('a run checkpointed with 2 workers resumes with 1 and ends at the θ of a straight run', async () => {
    const dir = temporaryDirectory();
    const tiny = [
      '--task',
      'toy-regression',
      '--horizon',
      '12',
      '--unroll',
      '4',
      '--particles',
      '6',
      '--eval-every',
      '0',
      '--checkpoint-every',
      '3',
    ];
    const straight = await pes(
      'meta-train',
      ...tiny,
      '--iterations',
      '8',
      '--workers',
      '1',
      '--out',
      join(dir, 'straight'),
    );
    expect(straight.status).toBe(0);
    const first = await pes(
      'meta-train',
      ...tiny,
      '--iterations',
      '5',
      '--workers',
      '2',
      '--out',
      join(dir, 'split'),
    );
    expect(first.out).toContain('pes: particles split over 2 worker processes');
    const resumed = await pes(
      'meta-train',
      '--resume',
      join(dir, 'split'),
      '--iterations',
      '8',
      '--workers',
      '1',
    );
    expect(resumed.status).toBe(0);
    const theta = (run: string) =>
      JSON.parse(readFileSync(join(dir, run, 'result.json'), 'utf8')).theta;
    expect(theta('split')).toEqual(theta('straight'));
  }, 120_000);

  it('pes bench scaling --json prints seconds per iteration and the speed-up for each worker count', async () => {
    const { status, out } = await pes(
      'bench',
      'scaling',
      '--task',
      'quadratic',
      '--workers',
      '1,2',
      '--repeats',
      '1',
      '--iterations',
      '2',
      '--json',
    );
    expect(status).toBe(0);
    const report = JSON.parse(out.at(-1)!);
    expect(report.rows.map((r: { workers: number }) => r.workers)).toEqual([1, 2]);
    for (const row of report.rows) expect(row.secondsPerIteration).toBeGreaterThan(0);
    expect(report.rows[0].speedup).toBe(1);
  }, 120_000);

  it('pes bench scaling --isolation threads,processes puts both side by side', async () => {
    const { status, out } = await pes(
      'bench', 'scaling', '--task', 'quadratic', '--workers', '1,2', '--isolation',
      'threads,processes', '--repeats', '1', '--iterations', '2', '--json',
    ); // prettier-ignore
    expect(status).toBe(0);
    const { rows } = JSON.parse(out.at(-1)!) as { rows: { workers: number; isolation: string }[] };
    expect(rows.map((r) => `${r.workers} ${r.isolation}`)).toEqual([
      '1 threads',
      '2 threads',
      '2 processes',
    ]);
  }, 120_000);
});
