import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportPlots } from '../src/report-plots.js';
import { finalTable, writeReport } from '../src/report.js';
import { temporaryDirectory } from './helpers.js';
import { writeRun } from './run-fixtures.js';
import { readRun } from '@pes/runner/node';

/** The figure keys of metrics.jsonl, which a reader should never have to decode. */
const KEYS = /\b(evalLoss|valAccuracy|valLoss|metaLoss|evalReturn|innerSteps)\b/;

/** What a browser shows of an HTML page: its text, without tags or attributes. */
const visibleText = (html: string) => html.replace(/<[^>]*>/g, ' ');

describe('reports as a person reads them', () => {
  const root = temporaryDirectory('pes-report-');
  const dense = readRun(
    writeRun(join(root, 'dense'), { iterations: 20, evalEvery: 5, finished: true }),
  );
  const sparse = readRun(
    writeRun(join(root, 'sparse'), { iterations: 20, evalEvery: 0, finished: true }),
  );

  it('names every figure in words in plot titles and axes', () => {
    const plots = reportPlots([dense]);
    const accuracy = plots.find((p) => p.name === 'valAccuracy-by-iteration')!;
    expect(accuracy.title).toBe('val accuracy of θ against outer iterations');
    expect(JSON.stringify((accuracy.spec as { encoding: unknown }).encoding)).toMatch(
      /"title":"val accuracy"/,
    );
    expect(plots.find((p) => p.name === 'evalLoss-by-inner-steps')!.title).toMatch(
      /^full-run objective of θ against inner steps/,
    );
    for (const plot of plots) expect(plot.title, plot.name).not.toMatch(KEYS);
  });

  it('draws a figure evaluated only at the start and the end as points, not as a line', () => {
    const mark = (runs: (typeof dense)[], name: string) =>
      (reportPlots(runs).find((p) => p.name === name)!.spec as { mark: { type: string } }).mark
        .type;
    expect(mark([sparse], 'valAccuracy-by-iteration')).toBe('point');
    expect(mark([sparse], 'evalLoss-by-inner-steps')).toBe('point');
    expect(reportPlots([sparse]).find((p) => p.name === 'valAccuracy-by-iteration')!.title).toMatch(
      /evaluated only at the start and the end$/,
    );
    // A run evaluated along the way keeps its curve, alone or beside a sparse one.
    expect(mark([dense], 'valAccuracy-by-iteration')).toBe('line');
    expect(mark([dense, sparse], 'valAccuracy-by-iteration')).toBe('line');
  });

  it('tabulates figures in words and leaves out columns no run has', () => {
    const html = finalTable([dense, sparse]);
    const header = html.match(/<thead>(.*)<\/thead>/)![1]!;
    expect(
      visibleText(header)
        .trim()
        .split(/\s{2,}/),
    ).toEqual([
      'run',
      'estimator',
      'state',
      'θ (initial → final)',
      'full-run objective (initial → final)',
      'val accuracy (initial → final)',
      'val loss (initial → final)',
    ]);
    expect(html).toMatch(/<td>0\.80000 → 0\.82000<\/td>/);
  });

  it('a running run: its latest evaluation, and the columns it has so far', () => {
    const running = readRun(
      writeRun(join(root, 'running'), { iterations: 12, evalEvery: 5, finished: false }),
    );
    const html = finalTable([running]);
    expect(html).toMatch(/full-run objective \(first → latest\)/);
    expect(html).toMatch(/<td>95 → 88<\/td>/);
    expect(html).toMatch(/running \(12 iterations\)/);
  });

  it('report.html shows no figure by its key', async () => {
    const file = await writeReport(sparse.dir);
    const html = readFileSync(file, 'utf8');
    expect(visibleText(html)).toMatch(/val accuracy/);
    expect(visibleText(html)).not.toMatch(KEYS);
    expect(visibleText(html)).toMatch(/evaluated only at the start and the end/);
  });
});
