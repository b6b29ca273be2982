import { influenceBalancingTask } from '@pes/inner-problems';
import type { TopLevelSpec } from 'vega-lite';
import { formatNumber, markdownTable, runMethods, type Method, type MethodRun } from './methods.js';
import { writeFileAtomic } from '@pes/core/node';
import { join } from 'node:path';
import { type Io, type RunConfig, writePlot } from '@pes/runner/node';

/** The methods of the paper's influence-balancing figure (docs/paper.md a). */
export const INFLUENCE_METHODS: readonly Method[] = [
  { label: 'TBPTT K=1', estimator: 'tbptt', overrides: { unrollLength: 1 } },
  { label: 'TBPTT K=10', estimator: 'tbptt', overrides: { unrollLength: 10 } },
  { label: 'TBPTT K=100', estimator: 'tbptt', overrides: { unrollLength: 100 } },
  { label: 'TES K=1', estimator: 'tes', overrides: { unrollLength: 1 } },
  { label: 'PES K=1', estimator: 'pes', overrides: { unrollLength: 1 } },
  { label: 'UORO K=1', estimator: 'uoro', overrides: { unrollLength: 1 } },
  { label: 'RTRL K=1', estimator: 'rtrl', overrides: { unrollLength: 1 } },
];

// Diverging methods reach θ ~ 1e7 and losses ~ 1e15; the plots show the region that matters.
const THETA_AXIS: [number, number] = [-1, 4];
const LOSS_FLOOR = 1e-30;

export async function influenceBalancingExperiment(
  out: string,
  shared: Partial<RunConfig>,
  io: Io,
): Promise<void> {
  const optimum = influenceBalancingTask().optimalTheta();
  const runs = await runMethods('influence-balancing', INFLUENCE_METHODS, shared, (run) =>
    io.out(
      `  ${run.label.padEnd(12)} θ = ${formatNumber(run.finalTheta[0]!)}  eval loss ${formatNumber(run.finalEvalLoss)}  (${run.seconds.toFixed(1)} s)`,
    ),
  );
  const table = markdownTable(
    ['method', 'final θ', 'distance to θ*', 'final eval loss', 'seconds'],
    runs.map((r) => [
      r.label,
      formatNumber(r.finalTheta[0]!),
      formatNumber(Math.abs(r.finalTheta[0]! - optimum)),
      formatNumber(r.finalEvalLoss),
      r.seconds.toFixed(2),
    ]),
  );
  writeFileAtomic(
    join(out, 'results.json'),
    `${JSON.stringify({ task: 'influence-balancing', optimum, runs }, null, 2)}\n`,
  );
  writeFileAtomic(join(out, 'table.md'), `θ* = ${optimum} (evaluation loss 0)\n\n${table}`);
  await writePlot(out, 'influence-balancing', plotSpec(runs, optimum));
  io.out(`\nθ* = ${formatNumber(optimum)}\n\n${table}`);
}

function plotSpec(runs: MethodRun[], optimum: number): TopLevelSpec {
  const values = runs.flatMap((r) =>
    r.history.map((h) => ({
      method: r.label,
      iteration: h.iteration,
      theta: h.theta[0],
      evalLoss: Math.max(h.evalLoss, LOSS_FLOOR),
    })),
  );
  const color = { field: 'method', type: 'nominal', sort: runs.map((r) => r.label) } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Influence balancing: θ and evaluation loss against outer iteration',
    data: { values },
    hconcat: [
      {
        width: 360,
        height: 260,
        layer: [
          {
            mark: { type: 'line', clip: true },
            encoding: {
              x: { field: 'iteration', type: 'quantitative' },
              y: {
                field: 'theta',
                type: 'quantitative',
                title: 'θ',
                scale: { domain: THETA_AXIS },
              },
              color,
            },
          },
          {
            data: { values: [{ optimum }] },
            mark: { type: 'rule', strokeDash: [4, 4], color: 'black' },
            encoding: { y: { field: 'optimum', type: 'quantitative' } },
          },
        ],
      },
      {
        width: 360,
        height: 260,
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'iteration', type: 'quantitative' },
          y: {
            field: 'evalLoss',
            type: 'quantitative',
            title: 'evaluation loss (500 steps)',
            axis: { format: '.0e' },
            scale: { type: 'log', domain: [1e-25, 1e4] },
          },
          color,
        },
      },
    ],
  } as TopLevelSpec;
}
