import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot, temporaryDirectory } from './helpers.js';
import { findChromium, keepScreenshot, SCREENSHOT_TIMEOUT_MS } from './chromium.js';

const CHROMIUM = findChromium('the report browser tests are');

const bin = join(appRoot, 'bin/pes.js');

/** The plot area each spec of report.ts asks for: θ's path is square, the curves are wide. */
const plotArea = (name: string) =>
  name === 'theta-path' ? { width: 420, height: 420 } : { width: 560, height: 260 };

/** An SVG element's geometry (this package compiles without the DOM's types). */
type Boxed = { getBBox(): { width: number; height: number } };

/** What Chromium drew of each figure: the SVG's box and attributes, its plot area, its marks. */
interface DrawnPlot {
  name: string;
  box: { width: number; height: number };
  attributes: { width: number; height: number };
  area: { width: number; height: number };
  marks: { width: number; height: number; children: number }[];
}

/** A short run of `pes meta-train` with the built CLI; its directory holds report.html. */
function metaTrain(name: string, args: string[]): string {
  const out = join(temporaryDirectory('pes-report-browser-'), name);
  const run = spawnSync(process.execPath, [bin, 'meta-train', ...args, '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });
  expect(run.status, run.stderr).toBe(0);
  return out;
}

describe.skipIf(!CHROMIUM)('a run’s report.html in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(() => browser?.close());

  /** report.html of `dir` as Chromium draws it, its console's errors, and a screenshot kept. */
  async function open(dir: string, screenshot: string) {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
    await page.goto(pathToFileURL(join(dir, 'report.html')).href, { waitUntil: 'load' });
    const plots: DrawnPlot[] = await page.$$eval('figure', (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector('svg')!;
        const box = svg.getBoundingClientRect();
        // The plot area is the root frame's background: the spec's width × height.
        const area = (
          svg.querySelector('.role-frame.root path.background') as unknown as Boxed | null
        )?.getBBox() ?? { width: 0, height: 0 };
        const png = figure.querySelector('a')?.getAttribute('href') ?? '';
        return {
          name: png.replace(/^report-/, '').replace(/\.png$/, ''),
          box: { width: box.width, height: box.height },
          attributes: {
            width: Number(svg.getAttribute('width')),
            height: Number(svg.getAttribute('height')),
          },
          area: { width: area.width, height: area.height },
          marks: [...svg.querySelectorAll('g.role-mark')].map((g) => {
            const b = (g as unknown as Boxed).getBBox();
            return { width: b.width, height: b.height, children: g.children.length };
          }),
        };
      }),
    );
    await keepScreenshot(page, screenshot);
    await page.close();
    return { plots, errors };
  }

  /** Every figure drawn at its size, with marks that cover some of the plot area. */
  function expectRendered(plots: DrawnPlot[]) {
    for (const plot of plots) {
      const { width, height } = plotArea(plot.name);
      expect(plot.area, plot.name).toEqual({ width, height });
      // Axes and legends lie around the plot area, within a few hundred pixels of it.
      expect(plot.box, plot.name).toEqual(plot.attributes);
      expect(plot.box.width, plot.name).toBeGreaterThan(width);
      expect(plot.box.width, plot.name).toBeLessThan(width + 300);
      expect(plot.box.height, plot.name).toBeGreaterThan(height);
      expect(plot.box.height, plot.name).toBeLessThan(height + 150);
      expect(plot.marks.length, plot.name).toBeGreaterThan(0);
      for (const mark of plot.marks) {
        expect(mark.children, plot.name).toBeGreaterThan(0);
        expect(mark.width, plot.name).toBeGreaterThan(0);
        expect(mark.height, plot.name).toBeGreaterThan(0);
      }
    }
  }

  it(
    'quadratic: the meta-loss, evaluation and θ-path plots are drawn, the console quiet',
    async () => {
      const dir = metaTrain('quadratic', [
        '--task',
        'quadratic',
        '--iterations',
        '20',
        '--eval-every',
        '5',
      ]);
      const { plots, errors } = await open(dir, 'report-quadratic.png');
      expect(plots.map((p) => p.name)).toEqual([
        'meta-loss',
        'evalLoss-by-iteration',
        'evalLoss-by-inner-steps',
        'theta-path',
      ]);
      expectRendered(plots);
      expect(errors).toEqual([]);
    },
    60_000 + SCREENSHOT_TIMEOUT_MS,
  );

  it(
    'mnist-mlp at tiny scale: every figure, including the validation ones, is drawn',
    async () => {
      const dir = metaTrain('mnist', [
        '--task',
        'mnist-mlp',
        ...['--arch', '784-16-10', '--batch', '8', '--horizon', '20', '--particles', '2'],
        ...['--unroll', '5', '--iterations', '3', '--eval-every', '0'],
      ]);
      const { plots, errors } = await open(dir, 'report-mnist-mlp.png');
      expect(plots.map((p) => p.name)).toEqual(
        expect.arrayContaining(['meta-loss', 'valAccuracy-by-iteration', 'theta']),
      );
      expect(plots.length).toBeGreaterThanOrEqual(6);
      expectRendered(plots);
      expect(errors).toEqual([]);
    },
    60_000 + SCREENSHOT_TIMEOUT_MS,
  );
});
