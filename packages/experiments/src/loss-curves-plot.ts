import type { CurvePoint } from '@pes/inner-problems';
import type { TopLevelSpec } from 'vega-lite';

/** Training and validation loss against inner step: mean line, band from the lowest to the highest seed. */
export function curvesPlot(
  results: { name: string; curves: CurvePoint[][] }[],
  task: string,
): TopLevelSpec {
  const values = results.flatMap((r) =>
    r.curves.flatMap((curve, seed) =>
      curve.flatMap((p) => [
        { optimizer: r.name, seed, step: p.step, split: 'training', loss: p.trainLoss },
        { optimizer: r.name, seed, step: p.step, split: 'validation', loss: p.valLoss },
      ]),
    ),
  );
  // A log axis: an optimizer that diverges and one that trains well fit in one plot. The band
  // is the range over seeds (min to max), which stays positive on a log axis where mean ± std
  // need not.
  const loss = { type: 'quantitative', scale: { type: 'log' } };
  const panel = (split: string) => ({
    title: `${split} loss`,
    width: 360,
    height: 280,
    transform: [
      { filter: `datum.split === '${split}' && isFinite(datum.loss) && datum.loss > 0` },
      {
        aggregate: [
          { op: 'mean', field: 'loss', as: 'mean' },
          { op: 'min', field: 'loss', as: 'min' },
          { op: 'max', field: 'loss', as: 'max' },
        ],
        groupby: ['optimizer', 'step'],
      },
    ],
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'inner step' },
      color: { field: 'optimizer', type: 'nominal', title: 'optimizer' },
    },
    layer: [
      {
        mark: { type: 'area', opacity: 0.25 },
        encoding: { y: { field: 'min', ...loss }, y2: { field: 'max' } },
      },
      {
        mark: { type: 'line' },
        encoding: {
          y: { field: 'mean', ...loss, title: 'loss: mean over seeds, band = min to max' },
        },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Fresh ${task} networks trained by each optimizer (seeds unseen in meta-training)`,
      offset: 16,
    },
    config: { legend: { labelLimit: 600 } },
    data: { values },
    hconcat: [panel('training'), panel('validation')],
  } as unknown as TopLevelSpec;
}
