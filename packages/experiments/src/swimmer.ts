import { join } from 'node:path';
import { meanAndStd } from '@pes/core';
import { writeFileAtomic } from '@pes/core/node';
import type { TopLevelSpec } from 'vega-lite';
import { runChildren, type ChildRun } from './children.js';
import { formatMeanAndStd, formatNumber, markdownTable } from './methods.js';
import {
  UsageError,
  writePlot,
  resolveConfig,
  readRunMetrics,
  readRunResult,
  type Evaluated,
} from '@pes/runner/node';
import type { ExperimentIo } from './experiment-io.js';

export interface SwimmerExperimentOptions {
  seeds: number;
  /** Outer iterations of PES and truncated ES; full-episode ES gets a tenth (same environment steps). */
  iterations: number;
  concurrency: number;
}

export const SWIMMER_DEFAULTS: SwimmerExperimentOptions = {
  seeds: 3,
  iterations: 300,
  concurrency: 2,
};

const METHODS = [
  { label: 'PES K=100', estimator: 'pes', unroll: 100, every: 1 },
  { label: 'TES K=100', estimator: 'tes', unroll: 100, every: 1 },
  { label: 'ES K=1000', estimator: 'es', unroll: 1000, every: 10 },
] as const;

/**
 * docs/paper.md e at a 2-core scale: PES, truncated ES and full-episode ES on MuJoCo Swimmer over
 * several seeds, each a `pes meta-train` child process; evaluation return against environment
 * steps (mean and spread over seeds) and a table of final returns.
 */
export async function swimmerExperiment(
  out: string,
  options: SwimmerExperimentOptions,
  io: ExperimentIo,
): Promise<void> {
  const { seeds, iterations } = options;
  if (!Number.isInteger(seeds) || seeds < 1)
    throw new UsageError(`--seeds must be a positive integer, got ${seeds}`);
  if (!Number.isInteger(iterations) || iterations < 10 || iterations % 10 !== 0) {
    throw new UsageError(
      `--iterations must be a multiple of 10 (ES gets a tenth), got ${iterations}`,
    );
  }
  const jobs = METHODS.flatMap((m) =>
    Array.from({ length: seeds }, (_, seed) => ({
      ...m,
      seed,
      dir: join(out, 'runs', `${m.estimator}-seed${seed}`),
    })),
  );
  const child = (j: (typeof jobs)[number]): ChildRun => {
    const its = iterations / j.every;
    return {
      command: 'meta-train',
      config: resolveConfig({
        task: 'swimmer',
        estimator: j.estimator,
        unrollLength: j.unroll,
        iterations: its,
        evalEvery: Math.max(1, its / 10),
        seed: j.seed,
      }),
      out: j.dir,
    };
  };
  io.out(
    `  ${jobs.length} runs as child processes, ${options.concurrency} at a time; logs in ${join(out, 'runs')}/*/log.txt`,
  );
  const started = performance.now();
  const statuses = await runChildren(jobs.map(child), options.concurrency, io.pes, (i, status) =>
    io.out(
      `  ${status === 0 ? 'done' : `FAILED (${status})`}: ${jobs[i]!.label} seed ${jobs[i]!.seed}`,
    ),
  );
  const failed = jobs.filter((_, i) => statuses[i] !== 0);
  if (failed.length > 0)
    throw new UsageError(`runs failed: ${failed.map((j) => `${j.dir}/log.txt`).join(', ')}`);
  const points = jobs.flatMap((j) => {
    // Both files through the run store: metrics.jsonl by its lines' schema, result.json by its.
    const stepsAt = new Map<number, number>([[0, 0]]);
    for (const m of readRunMetrics(j.dir))
      stepsAt.set(m.iteration as number, m.innerSteps as number);
    // Swimmer's evaluation is its mean return, a number in each evaluation.
    const history = readRunResult(j.dir).history as Evaluated<'evalReturn'>[];
    return history.map((h) => ({
      method: j.label,
      seed: j.seed,
      envSteps: stepsAt.get(h.iteration) ?? 0,
      evalReturn: h.evalReturn,
    }));
  });
  const finals = METHODS.map((m) => {
    const last = points
      .filter((p) => p.method === m.label)
      .reduce((a, p) => Math.max(a, p.envSteps), 0);
    const returns = points
      .filter((p) => p.method === m.label && p.envSteps === last)
      .map((p) => p.evalReturn);
    const { mean, std } = meanAndStd(returns);
    return { method: m.label, envSteps: last, mean, std, returns };
  });
  const table = markdownTable(
    [
      'method',
      'environment steps',
      `final eval return (mean ± sd over ${seeds} seeds)`,
      'per seed',
    ],
    finals.map((f) => [
      f.method,
      f.envSteps.toLocaleString('en'),
      formatMeanAndStd(f),
      f.returns.map(formatNumber).join(', '),
    ]),
  );
  const note = `Swimmer, horizon 1000, 10 antithetic pairs, rewards normalised by their standard deviation; PES/TES ${iterations} iterations of K = 100, ES ${iterations / 10} of whole episodes (the same environment steps); evaluation: mean return of 5 full episodes. ${((performance.now() - started) / 1000).toFixed(0)} s.\n\n`;
  writeFileAtomic(
    join(out, 'results.json'),
    `${JSON.stringify({ options, points, finals }, null, 1)}\n`,
  );
  writeFileAtomic(join(out, 'table.md'), note + table);
  await writePlot(out, 'swimmer', plotSpec(points));
  io.out(`\n${note}${table}`);
}

function plotSpec(
  points: { method: string; envSteps: number; evalReturn: number }[],
): TopLevelSpec {
  const x = { field: 'envSteps', type: 'quantitative', title: 'environment steps' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Swimmer: evaluation return against environment steps (mean and ±1 sd over seeds)',
    width: 560,
    height: 320,
    data: { values: points },
    layer: [
      {
        mark: { type: 'errorband', extent: 'stdev' },
        encoding: {
          x,
          y: { field: 'evalReturn', type: 'quantitative', title: 'evaluation return' },
          color: { field: 'method', type: 'nominal' },
        },
      },
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { aggregate: 'mean', field: 'evalReturn', type: 'quantitative' },
          color: { field: 'method', type: 'nominal' },
        },
      },
    ],
  } as TopLevelSpec;
}
