import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { estimateRunMemory, runSettingsSchema } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';
import {
  assertRunFits,
  assertShardFits,
  resolveConfig,
  resolveRun,
  taskSpecs,
} from '@pes/runner/node';

const GiB = 2 ** 30;

describe('the memory a run needs, estimated before any work', () => {
  it.each(taskSpecs.map((s) => s.name))(
    "%s: the task's defaults fit a small machine (under 2 GiB)",
    (task) => {
      const spec = taskSpecs.find((s) => s.name === task)!;
      const need = estimateRunMemory(spec, resolveConfig({ task }));
      expect(need).toBeGreaterThan(0);
      expect(need).toBeLessThan(2 * GiB);
    },
  );

  it('grows with particles (each holds a network) and the minibatch (each holds its activations)', () => {
    const spec = taskSpecs.find((s) => s.name === 'mnist-mlp')!;
    const need = (settings: object) =>
      estimateRunMemory(spec, resolveConfig({ task: 'mnist-mlp', ...settings }));
    const base = need({ particles: 8, batchSize: 100 });
    // 72 more networks of 89,610 float32 weights, at least once each.
    expect(need({ particles: 80, batchSize: 100 }) - base).toBeGreaterThan(72 * 89_610 * 4);
    // 8 particles × 9,900 more records × (784 + 100 + 100 + 10) float32 activations.
    expect(need({ particles: 8, batchSize: 10_000 }) - base).toBeGreaterThan(8 * 9_900 * 994 * 4);
  });

  it('compares with the memory free, and names both', () => {
    const config = resolveRun({ task: 'quadratic' });
    expect(() => assertRunFits(config, { total: 8 * GiB, free: 4 * GiB })).not.toThrow();
    expect(() => assertRunFits(config, { total: 8 * GiB, free: 50 * 2 ** 20 })).toThrow(
      /^a quadratic run with these settings \(100 particles, unroll 10\) needs about \d+ MiB of memory; this machine has 50 MiB free of 8\.00 GiB/,
    );
  });

  it("a worker's shard: the run's particles and data (not the runtime) against the memory free, as a WorkerFull error", () => {
    const config = resolveRun({ task: 'mnist-mlp', particles: 80, batchSize: 100 });
    expect(() => assertShardFits(config, { total: 8 * GiB, free: 4 * GiB })).not.toThrow();
    let error: Error | undefined;
    try {
      assertShardFits(config, { total: 8 * GiB, free: 2 ** 20 });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('WorkerFull');
    expect(error?.message).toMatch(
      /^a shard of this mnist-mlp run may need about \d+ MiB of memory; this worker's machine has 1 MiB free of 8\.00 GiB$/,
    );
  });

  it.each([
    [['--task', 'mnist-mlp', '--particles', '100000']],
    [['--task', 'mnist-mlp', '--particles', '1000', '--batch', '100000']],
    [
      [
        '--task',
        'quadratic',
        '--particles',
        '100000',
        '--unroll',
        '1000000',
        '--horizon',
        '1000000',
      ],
    ],
  ])('%j is refused in one line before anything is written', async (args) => {
    const out = join(temporaryDirectory(), 'run');
    const { status, err } = await pes('meta-train', ...args, '--out', out);
    expect(err).toEqual([
      expect.stringMatching(
        /^pes: a [a-z-]+ run with these settings .* needs about [\d.]+ [GT]iB of memory; this machine has [\d.]+ [GM]iB free of [\d.]+ GiB \(lower --particles/,
      ),
    ]);
    expect(status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

/** The schema under optional() and default(). */
function unwrapped(schema: unknown): { type: string; schema: Record<string, unknown> } {
  let s = schema as { unwrap?: () => unknown; _zod: { def: { type: string } } };
  while (s.unwrap && s._zod.def.type !== 'array') s = s.unwrap() as typeof s;
  return { type: s._zod.def.type, schema: s as unknown as Record<string, unknown> };
}

describe('every numeric setting has a bound', () => {
  const shapes: [string, Record<string, unknown>][] = [
    ['run settings', runSettingsSchema.shape],
    ...taskSpecs.map((s): [string, Record<string, unknown>] => [s.name, s.options.shape]),
  ];
  const numeric = shapes.flatMap(([where, shape]) =>
    Object.entries(shape).flatMap(([field, schema]) => {
      const { type, schema: s } = unwrapped(schema);
      if (type === 'number') return [[`${where}: ${field}`, s] as const];
      if (type === 'array') {
        const element = unwrapped((s as { element: unknown }).element);
        if (element.type === 'number') return [[`${where}: ${field}[]`, element.schema] as const];
      }
      return [];
    }),
  );

  it('finds the numeric settings', () => expect(numeric.length).toBeGreaterThan(15));

  it.each(numeric)('%s is bounded on both sides', (_, schema) => {
    expect(Number.isFinite(schema.minValue)).toBe(true);
    expect(Number.isFinite(schema.maxValue)).toBe(true);
    // .int() alone bounds by the safe integers: that is no reason, only a representation.
    expect(schema.maxValue).not.toBe(Number.MAX_SAFE_INTEGER);
    expect(schema.minValue).not.toBe(Number.MIN_SAFE_INTEGER);
  });
});
