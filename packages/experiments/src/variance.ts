import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeKey, unrollVariance, type UnrollVariancePoint } from '@pes/core';
import { writeFileAtomic } from '@pes/core/node';
import { charLstmTask, DataError, sequenceOf, type TextKind } from '@pes/inner-problems';
import type { TopLevelSpec } from 'vega-lite';
import { formatNumber, markdownTable } from './methods.js';
import { type Io, UsageError, writePlot } from '@pes/runner/node';

export interface VarianceOptions {
  text?: string;
  horizon: number;
  unrollLengths: number[];
  particles: number;
  repeats: number;
  referenceParticles: number;
  sigma: number;
  seed: number;
}

/** Sized to finish in about 15 minutes here; the paper: N = 1000, 50 repeats, reference N = 5000. */
export const VARIANCE_DEFAULTS: Omit<VarianceOptions, 'text'> = {
  horizon: 1000,
  unrollLengths: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  particles: 100,
  repeats: 10,
  referenceParticles: 5000,
  sigma: 1e-3,
  seed: 0,
};

export const SHARED_TEXT = resolve(
  import.meta.dirname,
  '../../../../shared/data/text/tinyshakespeare.txt',
);

/**
 * What every variance analysis refuses, the command's and the experiment's alike: K that does
 * not divide T, odd or too few particles (antithetic pairs), fewer than 2 repeats.
 */
export function checkVarianceSettings(o: {
  horizon: number;
  unrollLengths: readonly number[];
  particles: number;
  referenceParticles: number;
  repeats: number;
}): void {
  for (const K of o.unrollLengths) {
    if (!Number.isInteger(K) || K < 1 || o.horizon % K !== 0) {
      throw new UsageError(
        `--unroll ${K} does not divide the horizon T = ${o.horizon}; choose K among the divisors of T`,
      );
    }
  }
  for (const [flag, value] of [
    ['--particles', o.particles],
    ['--reference-particles', o.referenceParticles],
  ] as const) {
    if (!Number.isInteger(value) || value < 2 || value % 2 !== 0)
      throw new UsageError(`${flag} must be an even integer ≥ 2, got ${value}`);
  }
  if (!Number.isInteger(o.repeats) || o.repeats < 2)
    throw new UsageError(`--repeats must be an integer ≥ 2, got ${o.repeats}`);
}

/** The experiment's settings: a horizon and σ of its own, then the shared checks. */
export function checkVarianceOptions(o: VarianceOptions): void {
  if (!Number.isInteger(o.horizon) || o.horizon < 1)
    throw new UsageError(`--horizon must be a positive integer, got ${o.horizon}`);
  checkVarianceSettings(o);
  if (!(o.sigma > 0)) throw new UsageError(`--sigma must be positive, got ${o.sigma}`);
}

/** `pes experiment variance`: PES and noise-reuse ES errors against T/K on real, random and repeated text. */
export async function varianceExperiment(
  out: string,
  options: VarianceOptions,
  io: Io,
): Promise<void> {
  checkVarianceOptions(options);
  const file = options.text ?? SHARED_TEXT;
  if (!existsSync(file)) throw new UsageError(`no text file ${file}; give one with --text FILE`);
  const text = readFileSync(file, 'utf8');
  const key = makeKey(options.seed);
  const kinds: TextKind[] = ['real', 'random', 'repeated'];
  const results: { kind: TextKind; points: UnrollVariancePoint[] }[] = [];
  for (const kind of kinds) {
    let sequence;
    try {
      sequence = sequenceOf(text, kind, options.horizon, key);
    } catch (error) {
      if (error instanceof DataError) throw new UsageError(`${file}: ${error.message}`);
      throw error;
    }
    const task = charLstmTask({ ...sequence, key, name: `char-lstm (${kind})` });
    io.out(`  ${kind} text: θ has ${task.dim} numbers (vocabulary ${sequence.vocabulary})`);
    const { points } = unrollVariance(task, task.initialTheta(), {
      unrollLengths: options.unrollLengths,
      particles: options.particles,
      repeats: options.repeats,
      referenceParticles: options.referenceParticles,
      sigma: options.sigma,
      key,
      onPoint: (p) =>
        io.out(
          `    ${p.estimator.padEnd(4)} T/K = ${String(p.unrolls).padStart(4)}: ${formatNumber(p.meanError)} ± ${formatNumber(p.standardError)}`,
        ),
    });
    results.push({ kind, points });
    await new Promise((r) => setImmediate(r));
  }
  const table = markdownTable(
    ['T/K', ...results.flatMap((r) => [`PES ${r.kind}`, `NRES ${r.kind}`])],
    options.unrollLengths.map((K) => [
      options.horizon / K,
      ...results.flatMap((r) =>
        (['pes', 'nres'] as const).map((e) => {
          const p = r.points.find((q) => q.estimator === e && q.unrollLength === K)!;
          return `${formatNumber(p.meanError)} ± ${formatNumber(p.standardError)}`;
        }),
      ),
    ]),
  );
  const note = `Normalised squared error ‖g_ref − ĝ‖² / ‖g_ref‖² (mean ± standard error over ${options.repeats} repeats) of the gradient summed over the T/K unrolls of one sequence of T = ${options.horizon} characters; N = ${options.particles}, σ = ${options.sigma}, reference: full-horizon ES with N = ${options.referenceParticles}.\n\n`;
  writeFileAtomic(
    join(out, 'results.json'),
    `${JSON.stringify({ text: file, options, results }, null, 1)}\n`,
  );
  writeFileAtomic(join(out, 'table.md'), note + table);
  await writePlot(out, 'variance', plotSpec(results));
  io.out(`\n${note}${table}`);
}

export function plotSpec(results: { kind: string; points: UnrollVariancePoint[] }[]): TopLevelSpec {
  const values = results.flatMap((r) =>
    r.points.map((p) => ({
      ...p,
      series: `${p.estimator === 'pes' ? 'PES' : 'NRES'} · ${r.kind}`,
      kind: r.kind,
      method: p.estimator === 'pes' ? 'PES' : 'NRES',
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title:
      'Error of the gradient summed over an episode against the number of unrolls (PES dashed, NRES solid)',
    width: 520,
    height: 360,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'unrolls',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'number of unrolls T/K',
      },
      y: {
        field: 'meanError',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'mean ‖g_ref − ĝ‖² / ‖g_ref‖²',
      },
      color: { field: 'kind', type: 'nominal', title: 'text' },
      strokeDash: { field: 'method', type: 'nominal', title: 'estimator' },
      detail: { field: 'series' },
    },
  } as TopLevelSpec;
}
