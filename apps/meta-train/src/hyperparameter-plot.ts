import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';

// A run that tuned hyperparameters (`pes tune`, or meta-train --task model-tuning) leaves
// hyperparameters.json: each one at the initial and at the tuned θ. Its plot shows how each
// changes over a training run, before and after tuning, one panel per hyperparameter.

type Value = number | Record<string, number> | { values: { step: number; value: number }[] };

interface HyperparametersFile {
  initial: Record<string, Value>;
  tuned: Record<string, Value>;
}

interface Point {
  hyperparameter: string;
  which: 'initial' | 'tuned';
  step: number;
  value: number;
}

/** The points of one hyperparameter over [0, horizon]: a schedule's values, a constant's two ends. */
function pointsOf(name: string, value: Value, which: Point['which'], horizon: number): Point[] {
  if (typeof value === 'number')
    return [0, horizon].map((step) => ({ hyperparameter: name, which, step, value }));
  if ('values' in value && Array.isArray(value.values))
    return value.values.map((v) => ({ hyperparameter: name, which, step: v.step, value: v.value }));
  // One value per layer (a per-layer multiplier).
  return Object.entries(value as Record<string, number>).flatMap(([layer, v]) =>
    pointsOf(`${name} (${layer})`, v, which, horizon),
  );
}

/** The plot of dir's hyperparameters.json, or nothing where the run has none. */
export function hyperparameterPlot(
  dir: string,
  horizon: number,
): { name: string; title: string; spec: TopLevelSpec } | undefined {
  const file = join(dir, 'hyperparameters.json');
  if (!existsSync(file)) return undefined;
  let tuned: HyperparametersFile;
  try {
    tuned = JSON.parse(readFileSync(file, 'utf8')) as HyperparametersFile;
  } catch {
    return undefined; // not ours to judge: the report goes on without the plot
  }
  const points = (['initial', 'tuned'] as const).flatMap((which) =>
    Object.entries(tuned[which] ?? {}).flatMap(([name, value]) =>
      pointsOf(name, value, which, horizon),
    ),
  );
  return {
    name: 'hyperparameters',
    title: 'hyperparameters over a training run, at the initial and at the tuned θ',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: points },
      facet: { row: { field: 'hyperparameter', type: 'nominal', title: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 520,
        height: 140,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'inner step of the training run' },
          y: { field: 'value', type: 'quantitative', title: 'value', scale: { zero: false } },
          color: { field: 'which', type: 'nominal', title: 'θ' },
        },
      },
    } as TopLevelSpec,
  };
}
