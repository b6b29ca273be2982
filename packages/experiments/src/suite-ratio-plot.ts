import { rowName, WITHIN_FACTOR, type SuiteRow } from '@pes/learned-opt';
import type { TopLevelSpec } from 'vega-lite';

/**
 * A suite's rows at a glance: each problem's ratio of the learned optimizer's final training
 * loss to the tuned Adam's, a bar per horizon, on a log axis with rules at 1 (as good as the
 * tuned Adam) and at WITHIN_FACTOR (the target). Rows without a ratio (a side diverged) are
 * left out of the bars; the table names them.
 */
export function suiteRatioPlot(rows: readonly SuiteRow[], title: string): TopLevelSpec {
  const several = new Set(rows.map((r) => r.multiple)).size > 1;
  const values = rows
    .filter((r) => r.ratio !== null)
    .map((r) => ({
      problem: r.problem,
      horizon: several ? `${r.multiple}× (${r.steps} steps)` : `${r.steps} steps`,
      ratio: r.ratio,
      label: rowName(r, several),
    }));
  // The horizons in the order of their length, not of their names ('25×' sorts before '5×').
  const horizons = [
    ...new Map(
      [...rows].sort((a, b) => a.multiple - b.multiple).map((r) => [r.multiple, r]),
    ).values(),
  ].map((r) => (several ? `${r.multiple}× (${r.steps} steps)` : `${r.steps} steps`));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, offset: 12 },
    width: 560,
    height: 300,
    layer: [
      {
        data: { values },
        // Points, not bars: a bar on a log axis has no zero to stand on.
        mark: { type: 'point', filled: true, size: 120 },
        encoding: {
          x: {
            field: 'problem',
            type: 'nominal',
            title: null,
            sort: null,
            axis: { labelAngle: -30 },
          },
          xOffset: { field: 'horizon', type: 'nominal', sort: horizons },
          y: {
            field: 'ratio',
            type: 'quantitative',
            scale: { type: 'log' },
            title: 'final training loss / tuned Adam’s (log)',
          },
          color: { field: 'horizon', type: 'nominal', title: 'horizon', sort: horizons },
          tooltip: [
            { field: 'label', type: 'nominal' },
            { field: 'ratio', type: 'quantitative', format: '.3f' },
          ],
        },
      },
      {
        data: { values: [{ y: 1 }, { y: WITHIN_FACTOR }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: 'black' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  };
}
