import { thetaSurface, type ThetaGridCell } from '@pes/core';
import { writeFileAtomic } from '@pes/core/node';
import { toyRegressionTask } from '@pes/inner-problems';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { formatNumber, markdownTable, runMethods, type Method, type MethodRun } from './methods.js';
import { type Io, type RunConfig, writePlot } from '@pes/runner/node';

/** The methods of the paper's toy-regression figure (docs/paper.md b), all with K = 10 where truncated. */
export const TOY_METHODS: readonly Method[] = [
  { label: 'TBPTT K=10', estimator: 'tbptt' },
  { label: 'RTRL', estimator: 'rtrl' },
  { label: 'UORO', estimator: 'uoro' },
  { label: 'ES (full horizon)', estimator: 'es' },
  { label: 'TES K=10', estimator: 'tes' },
  { label: 'PES K=10', estimator: 'pes' },
];

/** The θ plane drawn under the trajectories: both log learning rates over this range. */
export const SURFACE_RANGE: [number, number] = [-6, 4];

export async function toyRegressionExperiment(
  out: string,
  shared: Partial<RunConfig>,
  resolution: number,
  io: Io,
): Promise<void> {
  const task = toyRegressionTask(shared.horizon as number | undefined);
  // The full-horizon meta-loss at the centre of each cell of a resolution × resolution grid.
  const surface: Cell[] = thetaSurface([SURFACE_RANGE, SURFACE_RANGE], resolution, (theta) => ({
    loss: task.metaObjective(theta),
  }));
  const runs = await runMethods('toy-regression', TOY_METHODS, shared, (run) =>
    io.out(
      `  ${run.label.padEnd(18)} θ = [${run.finalTheta.map(formatNumber).join(', ')}]  full-horizon loss ${formatNumber(run.finalEvalLoss)}  (${run.seconds.toFixed(1)} s)`,
    ),
  );
  const minimum = surface.reduce((best, c) => (c.loss < best.loss ? c : best));
  const table = markdownTable(
    ['method', 'final θ', 'final full-horizon loss', 'seconds'],
    runs.map((r) => [
      r.label,
      `(${r.finalTheta.map(formatNumber).join(', ')})`,
      formatNumber(r.finalEvalLoss),
      r.seconds.toFixed(2),
    ]),
  );
  const note = `Lowest loss on the ${resolution}×${resolution} grid: ${formatNumber(minimum.loss)} at θ = (${formatNumber(minimum.theta0)}, ${formatNumber(minimum.theta1)}); initial loss ${formatNumber(runs[0]!.history[0]!.evalLoss)} at θ = (−4, −4).\n\n`;
  writeFileAtomic(
    join(out, 'results.json'),
    `${JSON.stringify({ task: 'toy-regression', gridMinimum: minimum, runs, surface: { range: SURFACE_RANGE, resolution, cells: surface } })}\n`,
  );
  writeFileAtomic(join(out, 'table.md'), note + table);
  await writePlot(out, 'toy-regression', plotSpec(surface, runs, resolution));
  io.out(`\n${note}${table}`);
}

type Cell = ThetaGridCell & { loss: number };

function plotSpec(surface: Cell[], runs: MethodRun[], resolution: number): TopLevelSpec {
  const [low, high] = SURFACE_RANGE;
  const half = (high - low) / resolution / 2;
  const grid = surface.map((c) => ({
    x: c.theta0 - half,
    x2: c.theta0 + half,
    y: c.theta1 - half,
    y2: c.theta1 + half,
    loss: Number.isFinite(c.loss) ? c.loss : null,
  }));
  const paths = runs.flatMap((r) =>
    r.history.map((h, order) => ({
      method: r.label,
      order,
      theta0: h.theta[0],
      theta1: h.theta[1],
    })),
  );
  const axis = (title: string) =>
    ({ type: 'quantitative', title, scale: { domain: [low, high] } }) as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Toy regression: full-horizon meta-loss over θ, with each method’s path from (−4, −4)',
    width: 520,
    height: 520,
    layer: [
      {
        data: { values: grid },
        mark: { type: 'rect', stroke: null },
        encoding: {
          x: { field: 'x', ...axis('θ0 (log learning rate at t = 0)') },
          x2: { field: 'x2' },
          y: { field: 'y', ...axis('θ1 (log learning rate at t = T)') },
          y2: { field: 'y2' },
          color: {
            field: 'loss',
            type: 'quantitative',
            title: 'meta-loss',
            scale: { type: 'log', scheme: 'viridis' },
          },
        },
      },
      {
        data: { values: paths },
        mark: { type: 'line', strokeWidth: 2.5, clip: true },
        encoding: {
          x: { field: 'theta0', type: 'quantitative' },
          y: { field: 'theta1', type: 'quantitative' },
          order: { field: 'order' },
          stroke: { field: 'method', type: 'nominal', title: 'method', scale: { scheme: 'dark2' } },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
