import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';
import type { TopLevelSpec } from 'vega-lite';
import { UsageError } from './errors.js';
import { evaluationFigures, inWords } from './figure-words.js';
import { renderPlot } from './plots.js';
// A run is read through the run store, which the dashboard shares without importing this module.
import { readRun, type RunRecord } from './run-store.js';

export const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fmt(value: unknown): string {
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : value.toPrecision(5);
  if (Array.isArray(value)) return `[${value.map(fmt).join(', ')}]`;
  return String(value);
}

function table(header: string[], rows: unknown[][]): string {
  const head = header.map((h) => `<th>${escape(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td>${escape(fmt(c))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Evaluation points of a run: from result.json's history when finished, from metrics while running. */
type EvaluationPoint = Record<string, unknown> & {
  run: string;
  iteration: number;
  innerSteps: number;
  theta?: number[];
};

function evaluations(run: RunRecord): EvaluationPoint[] {
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

const FIGURES = evaluationFigures.map((f) => f.key);

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

/**
 * Figures of each run, initial → final (→ latest while it runs), in words; a figure no run
 * has gets no column.
 */
export function finalTable(
  runs: RunRecord[],
  stateOf: (run: RunRecord) => string = (r) =>
    r.result ? 'finished' : `running (${r.metrics.length} iterations)`,
): string {
  const ends = runs.map((r) => {
    const evals = evaluations(r) as Record<string, unknown>[];
    return {
      initial: r.result?.initial ?? evals[0] ?? {},
      final: r.result?.final ?? evals.at(-1) ?? {},
    };
  });
  const keys = ['theta', ...FIGURES].filter((k) => ends.some(({ final }) => k in final));
  const rows = runs.map((r, i) => {
    const { initial, final } = ends[i]!;
    return [
      r.name,
      r.config.estimator,
      stateOf(r),
      ...keys.map((k) => (k in final ? `${fmt(initial[k])} → ${fmt(final[k])}` : '')),
    ];
  });
  // A run still going has no initial evaluation in metrics.jsonl: its first one stands in.
  const span = runs.every((r) => r.result) ? 'initial → final' : 'first → latest';
  return table(['run', 'estimator', 'state', ...keys.map((k) => `${inWords(k)} (${span})`)], rows);
}

export const STYLE = `body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}
th{background:#f3f3f3}figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.3em}`;

async function writeHtml(
  out: string,
  file: string,
  title: string,
  sections: string[],
  plots: ReturnType<typeof reportPlots>,
) {
  const figures: string[] = [];
  for (const plot of plots) {
    const { svg, png } = await renderPlot(plot.spec);
    const pngName = `${basename(file, '.html')}-${plot.name}.png`;
    writeFileAtomic(join(out, pngName), png);
    figures.push(
      `<figure><figcaption>${escape(plot.title)}</figcaption>${svg}<div><a href="${pngName}">PNG</a></div></figure>`,
    );
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>${STYLE}</style></head>
<body><h1>${escape(title)}</h1>
${sections.join('\n')}
${figures.join('\n')}
</body></html>
`;
  const path = join(out, file);
  writeFileAtomic(path, html);
  return path;
}

/** A run's settings, one row each. */
export const configTable = (run: RunRecord) =>
  table(['setting', 'value'], Object.entries(run.config));

/** `pes report DIR`: report.html (and the plots as PNG) in the run directory. */
export async function writeReport(dir: string): Promise<string> {
  const run = readRun(dir);
  const config = configTable(run);
  return writeHtml(
    run.dir,
    'report.html',
    `@pes run ${run.name}: ${String(run.config.task)} with ${String(run.config.estimator)}`,
    [`<h2>Result</h2>${finalTable([run])}`, `<h2>Configuration</h2>${config}`],
    reportPlots([run]),
  );
}

/** `pes compare DIR… --out DIR`: the runs' curves overlaid, and a table of their final figures. */
export async function writeComparison(dirs: string[], out: string): Promise<string> {
  // Every run is read before anything is written: a bad one leaves no output directory behind.
  const runs = dirs.map(readRun);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `cannot create output directory ${out}: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  const names = new Set(runs.map((r) => r.name));
  if (names.size !== runs.length) runs.forEach((r, i) => (r.name = `${i + 1}: ${r.name}`));
  return writeHtml(
    out,
    'compare.html',
    `@pes comparison of ${runs.length} runs`,
    [`<h2>Final figures</h2>${finalTable(runs)}`],
    reportPlots(runs),
  );
}
