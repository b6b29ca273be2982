import type { TopLevelSpec } from 'vega-lite';
import { evaluationFigures, inWords } from './figure-words.js';
import type { RunRecord } from '@pes/runner/node';

// The plots of a run's report (and of pes compare's overlay): the meta-loss, every evaluation
// figure over the iterations, and θ's path, as Vega-Lite specs.

/** Evaluation points of a run: from result.json's history when finished, from metrics while running. */
type EvaluationPoint = Record<string, unknown> & {
  run: string;
  iteration: number;
  innerSteps: number;
  theta?: number[];
};

export function evaluations(run: RunRecord): EvaluationPoint[] {
  const source: Record<string, unknown>[] =
    run.result?.history ?? run.metrics.filter((m) => typeof m.evalLoss === 'number');
  const stepsAt = new Map(run.metrics.map((m) => [m.iteration as number, m.innerSteps as number]));
  return source.map((h) => ({
    ...h,
    run: run.name,
    iteration: h.iteration as number,
    innerSteps: stepsAt.get(h.iteration as number) ?? 0,
    ...(Array.isArray(h.theta) ? { theta: h.theta as number[] } : {}),
  }));
}

export const FIGURES = evaluationFigures.map((f) => f.key);

/**
 * Whether `figure` was evaluated at most twice in every run (at the start and the end, with
 * --eval-every 0): its points are then drawn apart, since a line through two points would
 * look like a measured curve.
 */
function onlyStartAndEnd(evals: EvaluationPoint[], figure: string): boolean {
  const count = new Map<string, number>();
  for (const e of evals)
    if (typeof e[figure] === 'number') count.set(e.run, (count.get(e.run) ?? 0) + 1);
  return [...count.values()].every((n) => n <= 2);
}

/** The plots of one or several runs: curves against iterations and inner steps, and θ's path. */
export function reportPlots(
  runs: RunRecord[],
): { name: string; title: string; spec: TopLevelSpec }[] {
  const schema = 'https://vega.github.io/schema/vega-lite/v6.json';
  const color = { field: 'run', type: 'nominal', title: 'run' } as const;
  const metaLoss = runs.flatMap((r) =>
    r.metrics.map((m) => ({ run: r.name, iteration: m.iteration, metaLoss: m.metaLoss })),
  );
  const evals = runs.flatMap(evaluations);
  const plots: { name: string; title: string; spec: TopLevelSpec }[] = [
    {
      name: 'meta-loss',
      title: `${inWords('metaLoss')} of each estimate`,
      spec: {
        $schema: schema,
        width: 560,
        height: 260,
        data: { values: metaLoss },
        mark: { type: 'line', strokeWidth: 1 },
        encoding: {
          x: { field: 'iteration', type: 'quantitative', title: inWords('iteration') },
          y: {
            field: 'metaLoss',
            type: 'quantitative',
            title: inWords('metaLoss'),
            scale: { zero: false },
          },
          color,
        },
      } as TopLevelSpec,
    },
  ];
  for (const figure of FIGURES) {
    if (!evals.some((e) => typeof e[figure] === 'number')) continue;
    const sparse = onlyStartAndEnd(evals, figure);
    for (const axis of ['iteration', 'innerSteps'] as const) {
      plots.push({
        name: `${figure}-by-${axis === 'iteration' ? 'iteration' : 'inner-steps'}`,
        title: `${inWords(figure)} of θ against ${axis === 'iteration' ? 'outer iterations' : 'inner steps taken by the estimator'}${sparse ? ', evaluated only at the start and the end' : ''}`,
        spec: {
          $schema: schema,
          width: 560,
          height: 260,
          data: { values: evals },
          mark: sparse ? { type: 'point', filled: true, size: 80 } : { type: 'line', point: true },
          encoding: {
            x: { field: axis, type: 'quantitative', title: inWords(axis) },
            y: {
              field: figure,
              type: 'quantitative',
              title: inWords(figure),
              scale: { zero: false },
            },
            color,
          },
        } as TopLevelSpec,
      });
    }
  }
  const dims = evals.map((e) => (Array.isArray(e.theta) ? e.theta.length : 0));
  if (dims.length > 0 && dims.every((d) => d === 2)) {
    plots.push({
      name: 'theta-path',
      title: `θ’s path: evaluation points coloured by ${inWords('evalLoss')}`,
      spec: {
        $schema: schema,
        width: 420,
        height: 420,
        data: {
          values: evals.map((e, order) => ({
            ...e,
            order,
            theta0: (e.theta as number[])[0],
            theta1: (e.theta as number[])[1],
          })),
        },
        layer: [
          {
            mark: { type: 'line', color: '#999' },
            encoding: {
              x: { field: 'theta0', type: 'quantitative', title: 'θ0', scale: { zero: false } },
              y: { field: 'theta1', type: 'quantitative', title: 'θ1', scale: { zero: false } },
              detail: { field: 'run' },
              order: { field: 'order' },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 80 },
            encoding: {
              x: { field: 'theta0', type: 'quantitative' },
              y: { field: 'theta1', type: 'quantitative' },
              color: {
                field: 'evalLoss',
                type: 'quantitative',
                title: inWords('evalLoss'),
                scale: { scheme: 'viridis' },
              },
              shape: { field: 'run', type: 'nominal' },
            },
          },
        ],
      } as TopLevelSpec,
    });
  } else {
    // Many components (a learned optimizer's weights) are shown as the distance from the start.
    const many = evals.some((e) => (e.theta?.length ?? 0) > 16);
    const start = new Map<string, number[]>();
    for (const e of evals) if (e.theta && !start.has(e.run)) start.set(e.run, e.theta);
    const distance = (e: EvaluationPoint) =>
      // eslint-disable-next-line no-restricted-properties -- a plotted distance, never θ
      Math.hypot(...(e.theta ?? []).map((v, i) => v - (start.get(e.run)?.[i] ?? 0)));
    const values = many
      ? evals.map((e) => ({
          run: e.run,
          iteration: e.iteration,
          component: '‖θ − θ₀‖',
          value: distance(e),
        }))
      : evals.flatMap((e) =>
          Array.isArray(e.theta)
            ? e.theta.map((v, i) => ({
                run: e.run,
                iteration: e.iteration,
                component: `θ${i}`,
                value: v,
              }))
            : [],
        );
    const sparse = onlyStartAndEnd(evals, 'evalLoss');
    plots.push({
      name: 'theta',
      title: `θ at each evaluation${sparse ? ', only at the start and the end' : ''}`,
      spec: {
        $schema: schema,
        width: 560,
        height: 260,
        data: { values },
        mark: sparse ? { type: 'point', filled: true, size: 80 } : { type: 'line', point: true },
        encoding: {
          x: { field: 'iteration', type: 'quantitative', title: inWords('iteration') },
          y: { field: 'value', type: 'quantitative', title: 'θ component' },
          color: { field: 'component', type: 'nominal' },
          strokeDash: { field: 'run', type: 'nominal' },
        },
      } as TopLevelSpec,
    });
  }
  return plots;
}
