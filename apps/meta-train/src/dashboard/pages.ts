import { MAX_LINE_BYTES } from '@pes/runner/node';
import { evaluationFigures, inWords } from '../figure-words.js';
import { reportPlots } from '../report-plots.js';
import { STYLE, configTable, escape, finalTable } from '../report.js';
import type { RunState } from './runs.js';
import { renderSvg, type RunRecord } from '@pes/runner/node';

/** A run as the dashboard shows it: read from its directory, with its id and state. */
export interface ReadView {
  id: string;
  run: RunRecord;
  state: RunState;
  /** Files in the run directory a page links to (report.html, plots). */
  files: string[];
  problem?: undefined;
}

/** A run directory that could not be read (a config.json of another program): why, in one line. */
export interface BadView {
  id: string;
  problem: string;
  run?: undefined;
}

export type RunView = ReadView | BadView;

const query = (ids: string[]) => ids.map((id) => `run=${encodeURIComponent(id)}`).join('&');

/** The href of a run's page; each part of a nested id encoded on its own. */
export const runHref = (id: string) => `/run/${id.split('/').map(encodeURIComponent).join('/')}`;

/**
 * The page's live part refetched whenever the server reports a change: at most once a second,
 * however fast metrics.jsonl grows.
 */
const LIVE_SCRIPT = `<script>
const live = document.getElementById('live');
const source = new EventSource(live.dataset.events);
let pending = false;
const refresh = () => {
  if (pending) return;
  pending = true;
  setTimeout(async () => {
    try {
      const response = await fetch(live.dataset.fragment);
      if (response.ok) live.innerHTML = await response.text();
    } finally {
      pending = false;
    }
  }, 1000);
};
source.addEventListener('metrics', refresh);
source.addEventListener('state', refresh);
source.addEventListener('skipped', refresh);
</script>`;

function page(title: string, body: string, events: string, fragment: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escape(title)}</title><style>${STYLE}
.running{color:#1a7f37}.interrupted{color:#b35900}.unreadable{color:#b3261e}</style></head>
<body><p><a href="/">all runs</a></p><h1>${escape(title)}</h1>
<div id="live" data-events="${escape(events)}" data-fragment="${escape(fragment)}">
${body}
</div>
${LIVE_SCRIPT}
</body></html>
`;
}

/** A run's latest value of a figure: its final one when finished, else its last evaluation. */
function latest(run: RunRecord, key: string): unknown {
  if (run.result) return run.result.final[key];
  return run.metrics.findLast((m) => typeof m[key] === 'number')?.[key];
}

/** The list of runs: what, how far, in what state, with their latest figures. */
export function listFragment(views: RunView[]): string {
  const figures = evaluationFigures
    .map((f) => f.key)
    .filter((key) => views.some((v) => v.run && latest(v.run, key) !== undefined));
  const number = (x: unknown) =>
    typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toPrecision(5)) : '';
  const columns = 5 + figures.length;
  const rows = views.map((view) => {
    if (view.run === undefined) {
      const { id, problem } = view;
      return `<tr><td></td><td>${escape(id)}</td><td class="unreadable" colspan="${columns}">unreadable: ${escape(problem)}</td></tr>`;
    }
    const { id, run, state } = view;
    const done = run.result
      ? (run.result as { iterations?: number }).iterations
      : run.metrics.at(-1)?.iteration;
    const cells = [
      `<td><input type="checkbox" name="run" value="${escape(id)}"></td>`,
      `<td><a href="${escape(runHref(id))}">${escape(id)}</a></td>`,
      `<td>${escape(String(run.config.task))}</td>`,
      `<td>${escape(String(run.config.estimator))}</td>`,
      `<td class="${state}">${state}</td>`,
      `<td>${escape(`${String(done ?? 0)} / ${String(run.config.iterations)}`)}</td>`,
      ...figures.map((key) => `<td>${escape(number(latest(run, key)))}</td>`),
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  const head = ['', 'run', 'task', 'estimator', 'state', 'iterations', ...figures.map(inWords)]
    .map((h) => `<th>${escape(h)}</th>`)
    .join('');
  if (views.length === 0) return '<p>No runs yet: a directory holding config.json is a run.</p>';
  return `<form action="/compare" method="get">
<table><thead><tr>${head}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<button type="submit">Overlay the selected runs</button></form>`;
}

export function listPage(root: string, views: RunView[]): string {
  return page(`@pes runs under ${root}`, listFragment(views), '/events', '/fragment');
}

/** A page for a run that cannot be read: which, and why. */
export function problemPage(view: BadView): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(view.id)}</title></head>
<body><p><a href="/">all runs</a></p><h1>${escape(view.id)}</h1>
<p>This run cannot be read: ${escape(view.problem)}</p></body></html>
`;
}

/** One run's or several runs' figures: the table, the plots report.html draws, the settings. */
export async function runsFragment(views: ReadView[]): Promise<string> {
  const runs = views.map((v) => ({ ...v.run, name: v.id }));
  const states = new Map(views.map((v) => [v.id, v.state]));
  const stateOf = (r: RunRecord) =>
    `${states.get(r.name) ?? ''} (${r.metrics.at(-1)?.iteration ?? 0} of ${String(r.config.iterations)} iterations)`;
  const sections = [`<h2>Figures</h2>${finalTable(runs, stateOf)}`];
  for (const plot of reportPlots(runs)) {
    sections.push(
      `<figure><figcaption>${escape(plot.title)}</figcaption>${await renderSvg(plot.spec)}</figure>`,
    );
  }
  for (const { id, run } of views) {
    if (run.skippedLines) {
      sections.unshift(
        `<p class="unreadable">${escape(id)}: ${run.skippedLines} line(s) of metrics.jsonl skipped, each longer than ${MAX_LINE_BYTES / 2 ** 20} MiB (no run writes such a line)</p>`,
      );
    }
  }
  if (views.length === 1) {
    const [view] = views as [ReadView];
    const links = view.files
      .filter((f) => f.endsWith('.html'))
      .map(
        (f) =>
          `<a href="${escape(`${runHref(view.id).replace(/^\/run/, '/file')}/${encodeURIComponent(f)}`)}">${escape(f)}</a>`,
      );
    if (links.length > 0) sections.push(`<p>Files: ${links.join(', ')}</p>`);
    sections.push(`<h2>Configuration</h2>${configTable(view.run)}`);
  }
  return sections.join('\n');
}

export async function runsPage(views: ReadView[]): Promise<string> {
  const ids = views.map((v) => v.id);
  const title =
    views.length === 1
      ? `@pes run ${ids[0]}: ${String(views[0]!.run.config.task)} with ${String(views[0]!.run.config.estimator)}`
      : `@pes comparison of ${views.length} runs`;
  return page(title, await runsFragment(views), `/events?${query(ids)}`, `/fragment?${query(ids)}`);
}
