import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
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
import { cliTheta } from './cli-theta.js';

/**
 * Debian's Chromium, driven by playwright-core (which downloads no browser). CI installs the
 * `chromium` package; without it these tests are skipped, and say so.
 */
const CHROMIUM = ['chromium', 'chromium-browser']
  .map((name) => spawnSync('which', [name], { encoding: 'utf8' }).stdout.trim())
  .find(Boolean);
if (!CHROMIUM) console.warn('chromium not found: the playground browser tests are skipped');

/** As many iterations as the browser check: enough for the paths to leave the start. */
const ITERATIONS = 200;
/** How long one page may take to build its surface and train (Chromium on a shared CPU). */
const PAGE_TIMEOUT_MS = 120_000;

const appRoot = join(import.meta.dirname, '..');
/** Where the plots the page drew and its screenshots are kept: beside the reports CI collects. */
const ARTIFACTS = join(appRoot, '../../reports/apps/playground/browser');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
};

/**
 * A static server of `root` on a free loopback port. A POST to /result hands its body to the
 * waiting `result()`: the page's test mode posts its final θ there.
 */
function serve(
  root: string,
): Promise<{ server: Server; url: string; result: () => Promise<string> }> {
  const waiting: ((body: string) => void)[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'POST' && path === '/result') {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        response.end();
        waiting.shift()?.(body);
      });
      return;
    }
    // The site has no icon; Chromium's request for one would be a 404 on the page's console.
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        result: () => new Promise((r) => waiting.push(r)),
      }),
    ),
  );
}

/**
 * `url` in a new page of `browser` until the page posts its result; its console's messages and
 * uncaught errors too, and a screenshot of the whole page as it stands then.
 */
async function runPage(browser: Browser, url: string, result: Promise<string>) {
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
    return {
      report: JSON.parse(body) as {
        task: string;
        runs: RunStatus[];
        image: string;
      },
      console,
      // Without the result's text (the plot inline as a data URL, a page too tall to capture).
      screenshot: await page
        .evaluate(() => (document.getElementById('result')!.hidden = true))
        .then(() => page.screenshot({ fullPage: true })),
    };
  } finally {
    await page.close();
  }
}

describe.skipIf(!CHROMIUM)('the built playground in Chromium', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'pes-playground-dist-'));
  let site: Awaited<ReturnType<typeof serve>>;
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
    const { report, console, screenshot } = await runPage(
      browser,
      `${site.url}?${query}`,
      site.result(),
    );
    expect(console).toEqual([]);
    expect(report.task).toBe(task);
    // The plot as the page drew it, kept beside the test report for a person to look at.
    expect(report.image).toMatch(/^data:image\/png;base64,/);
    mkdirSync(ARTIFACTS, { recursive: true });
    const name = `${task}-${overrides.outerOptimizer ?? 'default'}.png`;
    writeFileSync(join(ARTIFACTS, name), Buffer.from(report.image.split(',')[1]!, 'base64'));
    writeFileSync(join(ARTIFACTS, name.replace(/\.png$/, '-page.png')), screenshot);
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
    PAGE_TIMEOUT_MS + 60_000,
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
    PAGE_TIMEOUT_MS + 60_000,
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
