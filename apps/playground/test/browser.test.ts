import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStatus } from '../src/protocol.js';
import { thetaBits } from '../src/training.js';
import { cliTheta } from './cli-theta.js';

/**
 * Debian's Chromium, driven headless (no npm dependency, no browser download). CI installs the
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

/** Chromium, headless, on `url`, until the page posts its result; its console's lines too. */
async function runPage(url: string, result: Promise<string>) {
  const profile = mkdtempSync(join(tmpdir(), 'pes-playground-chromium-'));
  const child: ChildProcess = spawn(
    CHROMIUM!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      url,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<string>((resolve) =>
    child.on('exit', (code) => resolve(`chromium exited (${code}) before the page reported`)),
  );
  const timeout = new Promise<string>((resolve) =>
    setTimeout(() => resolve('the page did not report in time'), PAGE_TIMEOUT_MS),
  );
  try {
    const body = await Promise.race([result, exited, timeout]);
    const console = stderr.split('\n').filter((l) => l.includes(':CONSOLE'));
    if (!body.startsWith('{')) throw new Error(`${body}\n${stderr}`);
    return { report: JSON.parse(body) as { task: string; runs: RunStatus[] }, console };
  } finally {
    child.kill();
    await exited;
    rmSync(profile, { recursive: true, force: true });
  }
}

describe.skipIf(!CHROMIUM)('the built playground in Chromium', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'pes-playground-dist-'));
  let site: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    await build({
      configFile: join(appRoot, 'vite.config.ts'),
      build: { outDir, emptyOutDir: true },
      logLevel: 'warn',
    });
    site = await serve(outDir);
  }, 300_000);
  afterAll(() => {
    site?.server.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it.each([
    { task: 'toy-regression', estimators: ['pes', 'tes', 'es'], seed: 0 },
    { task: 'influence-balancing', estimators: ['pes', 'tes'], seed: 3 },
  ])(
    '$task: the worker trains $estimators to the θ of pes meta-train, bit for bit',
    async ({ task, estimators, seed }) => {
      const query = new URLSearchParams({
        autorun: task,
        estimators: estimators.join(','),
        iterations: String(ITERATIONS),
        seed: String(seed),
        report: '/result',
      });
      const { report, console } = await runPage(`${site.url}?${query}`, site.result());
      expect(report.task).toBe(task);
      expect(report.runs.map((r) => [r.estimator, r.iteration, r.finished])).toEqual(
        estimators.map((e) => [e, ITERATIONS, true]),
      );
      for (const run of report.runs) {
        const cli = await cliTheta(task, run.estimator, { seed, iterations: ITERATIONS });
        expect(run.thetaBits, run.estimator).toEqual(thetaBits(cli));
        expect(run.theta.map(Number), run.estimator).toEqual(cli);
      }
      expect(console).toEqual([]);
    },
    PAGE_TIMEOUT_MS + 60_000,
  );
});
