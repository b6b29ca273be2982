import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeKey, unrollVariance } from '@pes/core';
import { writeFileAtomic } from '@pes/core/node';
import { formatNumber, markdownTable } from './methods.js';
import { checkVarianceSettings, plotSpec } from './variance.js';
import {
  buildRun,
  prepareBackend,
  resolveRun,
  UsageError,
  writePlot,
  type Io,
} from '@pes/runner/node';

export interface TaskVarianceOptions {
  task: string;
  unroll: number[];
  out?: string;
  horizon?: number;
  sigma?: number;
  particles: number;
  repeats: number;
  referenceParticles: number;
  seed: number;
}

/**
 * `pes variance --task NAME --unroll K1,K2,…`: for any task with finite episodes, how the error of
 * PES (and noise-reuse ES) summed over an episode grows or falls with the number of unrolls,
 * against a full-horizon ES reference at the task's initial θ.
 */
export async function taskVariance(options: TaskVarianceOptions, io: Io): Promise<number> {
  if (!options.out)
    throw new UsageError('--out DIR is required: results.json, table.md and the plot go there');
  const run = resolveRun({
    task: options.task,
    ...(options.horizon !== undefined ? { horizon: options.horizon } : {}),
    ...(options.sigma !== undefined ? { sigma: options.sigma } : {}),
  });
  // Built the way meta-train builds it: the same checks, the same task.
  const planned = await prepareBackend(run, io.out);
  const { config } = planned;
  const { task } = await buildRun(planned);
  if (!Number.isFinite(task.horizon))
    throw new UsageError(
      `task ${task.name} never ends; the variance analysis needs finite episodes`,
    );
  checkVarianceSettings({
    horizon: task.horizon,
    unrollLengths: options.unroll,
    particles: options.particles,
    referenceParticles: options.referenceParticles,
    repeats: options.repeats,
  });
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const { points, referenceNorm } = unrollVariance(task, task.initialTheta(), {
    unrollLengths: options.unroll,
    particles: options.particles,
    repeats: options.repeats,
    referenceParticles: options.referenceParticles,
    sigma: config.sigma,
    key: makeKey(options.seed),
    onPoint: (p) =>
      io.out(
        `  ${p.estimator.padEnd(4)} K = ${String(p.unrollLength).padStart(5)} (T/K = ${p.unrolls}): ${formatNumber(p.meanError)} ± ${formatNumber(p.standardError)}`,
      ),
  });
  const table = markdownTable(
    ['K', 'T/K', 'PES error', 'NRES error'],
    options.unroll.map((K) => {
      const at = (e: string) => points.find((p) => p.estimator === e && p.unrollLength === K)!;
      return [
        K,
        task.horizon / K,
        `${formatNumber(at('pes').meanError)} ± ${formatNumber(at('pes').standardError)}`,
        `${formatNumber(at('nres').meanError)} ± ${formatNumber(at('nres').standardError)}`,
      ];
    }),
  );
  writeFileAtomic(
    join(out, 'results.json'),
    `${JSON.stringify({ task: config.task, config, options, referenceNorm, points }, null, 1)}\n`,
  );
  writeFileAtomic(join(out, 'table.md'), table);
  await writePlot(out, 'variance', plotSpec([{ kind: config.task, points }]));
  io.out(`\n${table}`);
  return 0;
}
