import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { cos, exp, expm1, log, log1p, pow, sin, tanh } from '@pes/core';
import { build as esbuild } from 'esbuild';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStatus } from '../src/protocol.js';
import type { PlaygroundOverrides } from '../src/run-config.js';
import { thetaBits } from '../src/training.js';
import {
  elementaryFingerprint,
  engineMathFingerprint,
} from '../../../packages/core/test/fixtures/elementary-fingerprint.mjs';
import {
  ARTIFACTS,
  findChromium,
  keepScreenshot,
  SCREENSHOT_TIMEOUT_MS,
  serve,
  type Site,
} from './chromium-site.js';
import { cliTheta } from './cli-theta.js';

const CHROMIUM = findChromium('the playground browser tests are');

/** As many iterations as the browser check: enough for the paths to leave the start. */
const ITERATIONS = 200;
/** How long one page may take to build its surface and train (Chromium on a shared CPU). */
const PAGE_TIMEOUT_MS = 120_000;
/** A page's test: the page, its screenshot, and pes meta-train's runs to compare with. */
const TEST_TIMEOUT_MS = PAGE_TIMEOUT_MS + SCREENSHOT_TIMEOUT_MS + 60_000;

const appRoot = join(import.meta.dirname, '..');

/**
 * `url` in a new page of `browser` until the page posts its result; its console's messages and
 * uncaught errors too; a screenshot of the whole page as it stands then is kept at `screenshot`.
 */
async function runPage(browser: Browser, url: string, result: Promise<string>, screenshot: string) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const console: string[] = [];
  page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
  const timeout = new Promise<string>((resolve) =>
    setTimeout(() => resolve('the page did not report in time'), PAGE_TIMEOUT_MS),
  );
  try {
    await page.goto(url);
    const body = await Promise.race([result, timeout]);
    if (!body.startsWith('{')) throw new Error(`${body}\n${console.join('\n')}`);
    // Without the result's text (the plot inline as a data URL, a page too tall to capture).
    await page.evaluate(() => (document.getElementById('result')!.hidden = true));
    await keepScreenshot(page, screenshot);
    return {
      report: JSON.parse(body) as {
        task: string;
        runs: RunStatus[];
        image: string;
      },
      console,
    };
  } finally {
    await page.close();
  }
}

describe.skipIf(!CHROMIUM)('the built playground in Chromium', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'pes-playground-dist-'));
  let site: Site;
  let browser: Browser;

  beforeAll(async () => {
    await build({
      configFile: join(appRoot, 'vite.config.ts'),
      build: { outDir, emptyOutDir: true },
      logLevel: 'warn',
    });
    site = await serve(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  /** The page in its test mode on `task`, and what it reports; its console must stay quiet. */
  async function autorun(task: string, estimators: string[], overrides: PlaygroundOverrides) {
    const query = new URLSearchParams({
      autorun: task,
      estimators: estimators.join(','),
      iterations: String(ITERATIONS),
      report: '/result',
      image: '1',
    });
    if (overrides.seed !== undefined) query.set('seed', String(overrides.seed));
    if (overrides.outerOptimizer) query.set('outer-optimizer', overrides.outerOptimizer);
    const name = `${task}-${overrides.outerOptimizer ?? 'default'}.png`;
    const { report, console } = await runPage(
      browser,
      `${site.url}?${query}`,
      site.result(),
      join(ARTIFACTS, name.replace(/\.png$/, '-page.png')),
    );
    expect(console).toEqual([]);
    expect(report.task).toBe(task);
    // The plot as the page drew it, kept beside the test report for a person to look at.
    expect(report.image).toMatch(/^data:image\/png;base64,/);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, name), Buffer.from(report.image.split(',')[1]!, 'base64'));
    expect(report.runs.map((r) => [r.estimator, r.iteration, r.finished])).toEqual(
      estimators.map((e) => [e, ITERATIONS, true]),
    );
    const cli = new Map<string, number[]>();
    for (const run of report.runs)
      cli.set(
        run.estimator,
        await cliTheta(task, run.estimator, { ...overrides, iterations: ITERATIONS }),
      );
    return { report, cli };
  }

  it.each([
    {
      task: 'toy-regression',
      estimators: ['pes', 'tes', 'es'],
      overrides: { seed: 0, outerOptimizer: 'sgd' },
    },
    { task: 'influence-balancing', estimators: ['pes', 'tes'], overrides: { seed: 3 } },
  ] as const)(
    '$task ($overrides): the worker trains $estimators to the θ of pes meta-train, bit for bit',
    async ({ task, estimators, overrides }) => {
      const { report, cli } = await autorun(task, [...estimators], overrides);
      for (const run of report.runs) {
        expect(run.thetaBits, run.estimator).toEqual(thetaBits(cli.get(run.estimator)!));
        expect(run.theta.map(Number), run.estimator).toEqual(cli.get(run.estimator));
      }
    },
    TEST_TIMEOUT_MS,
  );

  /**
   * Adam's bias correction keeps β^t as a running product (multiplication rounds the same in
   * every engine; `**` did not in Node 20's and Chromium's V8), so Adam's θ is bit for bit too.
   */
  it(
    'toy-regression with Adam: the worker trains pes, tes and es to the θ of pes meta-train, bit for bit',
    async () => {
      const estimators = ['pes', 'tes', 'es'];
      const { report, cli } = await autorun('toy-regression', estimators, { seed: 0 });
      for (const run of report.runs) {
        expect(run.thetaBits, run.estimator).toEqual(thetaBits(cli.get(run.estimator)!));
        expect(run.theta.map(Number), run.estimator).toEqual(cli.get(run.estimator));
      }
    },
    TEST_TIMEOUT_MS,
  );

  /**
   * The elementary functions themselves: @pes/core's give Node's bits in Chromium on 20,000
   * inputs each, bundled for the browser from the package's main entry. Chromium's own `Math`
   * functions are printed beside them: they are why θ needs these.
   */
  it('the engine-independent elementary functions give Node’s bits in Chromium', async () => {
    const fixture = join(appRoot, '../../packages/core/test/fixtures/elementary-fingerprint.mjs');
    const bundle = await esbuild({
      stdin: {
        contents: [
          `import { elementaryFingerprint, engineMathFingerprint } from ${JSON.stringify(fixture)};`,
          `import { cos, exp, expm1, log, log1p, pow, sin, tanh } from '@pes/core';`,
          'globalThis.fingerprints = {',
          '  elementary: elementaryFingerprint({ exp, log, log1p, expm1, sin, cos, tanh, pow }),',
          '  math: engineMathFingerprint(),',
          '};',
        ].join('\n'),
        resolveDir: appRoot,
      },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      conditions: ['@pes/source'],
      write: false,
      logLevel: 'silent',
    });
    const page = await browser.newPage();
    try {
      await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
      const chromium = (await page.evaluate(
        () => (globalThis as Record<string, unknown>).fingerprints,
      )) as {
        elementary: Record<string, string>;
        math: Record<string, string>;
      };
      const node = {
        elementary: elementaryFingerprint({ exp, log, log1p, expm1, sin, cos, tanh, pow }),
        math: engineMathFingerprint(),
      };
      expect(chromium.elementary).toEqual(node.elementary);
      const differing = Object.keys(node.math).filter((f) => chromium.math[f] !== node.math[f]);
      console.log(
        `Chromium ${browser.version()}: Math.${differing.join(', Math.') || '* (none)'} differ from Node ${process.version}; @pes/core's functions do not`,
      );
    } finally {
      await page.close();
    }
  });
});
