import { log, makeKey, thetaGridCells } from '@pes/core';
import { writeFileAtomic } from '@pes/core/node';
import { findSchedule } from '@pes/hpo';
import { lrScheduleTask } from '@pes/hpo/node';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { runChildren, type ChildRun } from './children.js';
import { formatNumber, markdownTable } from './methods.js';
import { UsageError, writePlot, resolveConfig, readRunResult } from '@pes/runner/node';
import type { ExperimentIo } from './experiment-io.js';

export interface LrScheduleExperimentOptions {
  /** Inner steps of each run (the paper's 5,000 is scaled down so the experiment fits ~15 min). */
  horizon: number;
  /** Outer iterations of the K = 10 runs; K = 100 runs get a tenth, for the same inner-step budget. */
  iterations: number;
  resolution: number;
  seed: number;
  /** Child processes at once: one per core. */
  concurrency: number;
}

export const LR_SCHEDULE_DEFAULTS: LrScheduleExperimentOptions = {
  horizon: 1000,
  iterations: 200,
  resolution: 6,
  seed: 0,
  concurrency: 2,
};

const PARTICLES = 8;
const GRID_KEY = makeKey(5);
const OBJECTIVES = ['train-loss', 'val-accuracy'] as const;
const THETA0: [number, number] = [log(1e-4), log(1)];
const THETA1: [number, number] = [log(0.01), log(100)];

interface Job {
  label: string;
  objective: (typeof OBJECTIVES)[number];
  estimator: string;
  unroll: number;
  dir: string;
}

/**
 * docs/paper.md c at a 2-core scale: PES and truncated ES with K = 10 and 100, and random search at
 * the same inner-step budget, on the training-loss and the validation-accuracy objectives,
 * each a `pes meta-train` child process; meanwhile the full-run objectives over a grid of θ.
 */
export async function lrScheduleExperiment(
  out: string,
  options: LrScheduleExperimentOptions,
  io: ExperimentIo,
): Promise<void> {
  const { horizon, iterations, resolution, seed } = options;
  if (iterations % 10 !== 0 || iterations < 10)
    throw new UsageError(
      `--iterations must be a multiple of 10 (K = 100 runs get a tenth), got ${iterations}`,
    );
  if (!Number.isInteger(horizon) || horizon < 100)
    throw new UsageError(`--horizon must be an integer ≥ 100 (the K = 100 runs), got ${horizon}`);
  const jobs: Job[] = [];
  for (const objective of OBJECTIVES) {
    for (const unroll of [10, 100]) {
      for (const estimator of ['pes', 'tes']) {
        jobs.push({
          label: `${estimator.toUpperCase()} K=${unroll}`,
          objective,
          estimator,
          unroll,
          dir: join(out, 'runs', `${objective}-${estimator}-K${unroll}`),
        });
      }
    }
    jobs.push({
      label: 'random search',
      objective,
      estimator: 'random-search',
      unroll: 10,
      dir: join(out, 'runs', `${objective}-random-search`),
    });
  }
  const child = (job: Job): ChildRun => {
    const its = (iterations * 10) / job.unroll;
    return {
      command: 'meta-train',
      config: resolveConfig({
        task: 'mnist-lr-schedule',
        estimator: job.estimator,
        objective: job.objective,
        unrollLength: job.unroll,
        horizon,
        particles: PARTICLES,
        iterations: its,
        evalEvery: its,
        seed,
      }),
      out: job.dir,
    };
  };
  io.out(
    `  ${jobs.length} runs as child processes, ${options.concurrency} at a time; logs in ${join(out, 'runs')}/*/log.txt`,
  );
  const children = runChildren(jobs.map(child), options.concurrency, io.pes, (i, status) =>
    io.out(
      `  ${status === 0 ? 'done' : `FAILED (${status})`}: ${jobs[i]!.objective} ${jobs[i]!.label}`,
    ),
  );
  // The grid runs here while the children run: one process per core in all.
  const task = lrScheduleTask({ horizon, objective: 'val-accuracy' });
  const cells: {
    theta0: number;
    theta1: number;
    valAccuracySum: number;
    trainLossSum: number;
    valAccuracy: number;
  }[] = [];
  for (const { theta0, theta1 } of thetaGridCells([THETA0, THETA1], resolution)) {
    const e = task.evaluate(Float64Array.of(theta0, theta1), GRID_KEY);
    cells.push({
      theta0,
      theta1,
      valAccuracySum: -e.evalLoss,
      trainLossSum: e.trainLossSum!,
      valAccuracy: e.valAccuracy!,
    });
    // Between full runs, let the children's exits be reported.
    await new Promise((r) => setImmediate(r));
  }
  io.out(`  grid of ${resolution}×${resolution} full runs done`);
  const statuses = await children;
  const failed = jobs.filter((_, i) => statuses[i] !== 0);
  if (failed.length > 0)
    throw new UsageError(`runs failed: ${failed.map((j) => `${j.dir}/log.txt`).join(', ')}`);
  const runs = jobs.map((job) => {
    // Through its schema: a child's result.json that is not what a run writes is one line.
    const result = readRunResult(job.dir);
    return {
      ...job,
      // mnist-lr-schedule's figures: θ as a list, its val accuracy a number (the schema's
      // figures are numbers, lists or null, whatever the task).
      initial: result.initial as { theta: number[]; valAccuracy: number },
      final: result.final as { theta: number[]; valAccuracy: number },
      history: result.history,
    };
  });
  const schedule = findSchedule('inverse-time-decay').create(horizon);
  const table = markdownTable(
    [
      'objective',
      'method',
      'final θ',
      `lr at t = 0 → T`,
      'full-run val accuracy (initial → final)',
    ],
    runs.map((r) => [
      r.objective,
      r.label,
      `(${r.final.theta.map(formatNumber).join(', ')})`,
      `${formatNumber(schedule.rate(r.final.theta, 0))} → ${formatNumber(schedule.rate(r.final.theta, horizon))}`,
      `${formatNumber(r.initial.valAccuracy)} → ${formatNumber(r.final.valAccuracy)}`,
    ]),
  );
  const best = cells.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
  const note = `T = ${horizon}, N = ${PARTICLES}, ${iterations} iterations at K = 10 and ${iterations / 10} at K = 100 (the same inner steps), random search with that budget in whole runs. Grid best full-run val accuracy ${formatNumber(best.valAccuracy)} at θ = (${formatNumber(best.theta0)}, ${formatNumber(best.theta1)}).\n\n`;
  writeFileAtomic(
    join(out, 'results.json'),
    `${JSON.stringify({ options, grid: cells, runs }, null, 1)}\n`,
  );
  writeFileAtomic(join(out, 'table.md'), note + table);
  await writePlot(out, 'mnist-lr-schedule', lrSchedulePlotSpec(cells, runs, resolution));
  io.out(`\n${note}${table}`);
}

export function lrSchedulePlotSpec(
  cells: { theta0: number; theta1: number; valAccuracySum: number; trainLossSum: number }[],
  runs: (Job & { history: { theta: number[] }[] })[],
  resolution: number,
): TopLevelSpec {
  const w0 = (THETA0[1] - THETA0[0]) / resolution / 2;
  const w1 = (THETA1[1] - THETA1[0]) / resolution / 2;
  const panel = (objective: (typeof OBJECTIVES)[number]) => {
    const field = objective === 'train-loss' ? 'trainLossSum' : 'valAccuracySum';
    return {
      title:
        objective === 'train-loss'
          ? 'training loss summed over the run'
          : 'validation accuracy summed over the run',
      width: 360,
      height: 360,
      layer: [
        {
          data: {
            values: cells.map((c) => ({
              x: c.theta0 - w0,
              x2: c.theta0 + w0,
              y: c.theta1 - w1,
              y2: c.theta1 + w1,
              v: c[field],
            })),
          },
          mark: { type: 'rect' },
          encoding: {
            x: {
              field: 'x',
              type: 'quantitative',
              title: 'θ0 = log initial learning rate',
              scale: { domain: THETA0 },
            },
            x2: { field: 'x2' },
            y: {
              field: 'y',
              type: 'quantitative',
              title: 'θ1 = log decay power',
              scale: { domain: THETA1 },
            },
            y2: { field: 'y2' },
            // Diverged runs (learning rate near 1) reach losses ~1e8: a log scale keeps the rest visible.
            color: {
              field: 'v',
              type: 'quantitative',
              title: objective,
              scale:
                objective === 'train-loss'
                  ? { type: 'log', scheme: 'viridis' }
                  : { scheme: 'magma' },
            },
          },
        },
        {
          data: {
            values: runs
              .filter((r) => r.objective === objective)
              .flatMap((r) =>
                r.history.map((h, order) => ({
                  method: r.label,
                  order,
                  theta0: h.theta[0],
                  theta1: h.theta[1],
                })),
              ),
          },
          mark: { type: 'line', point: true, strokeWidth: 2.5, clip: true },
          encoding: {
            x: { field: 'theta0', type: 'quantitative' },
            y: { field: 'theta1', type: 'quantitative' },
            order: { field: 'order' },
            color: { field: 'method', type: 'nominal', scale: { scheme: 'dark2' } },
          },
        },
      ],
      resolve: { scale: { color: 'independent' } },
    };
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'MNIST learning-rate schedule: full-run objectives over θ with each method’s path',
    hconcat: OBJECTIVES.map(panel),
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
