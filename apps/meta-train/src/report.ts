import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';
import { UsageError } from './errors.js';
import { inWords } from './figure-words.js';
import { hyperparameterPlot } from './hyperparameter-plot.js';
// A run is read through the run store, which the dashboard shares without importing this module.
import { evaluations, FIGURES, reportPlots } from './report-plots.js';
import { renderPlot, readRun, type RunRecord } from '@pes/runner/node';

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
    [...reportPlots([run]), ...hyperparametersOf(run)],
  );
}

/** The plot of the hyperparameters a tuning run chose, where it chose some. */
function hyperparametersOf(run: RunRecord) {
  const plot = hyperparameterPlot(run.dir, Number(run.config.horizon ?? 0));
  return plot ? [plot] : [];
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
