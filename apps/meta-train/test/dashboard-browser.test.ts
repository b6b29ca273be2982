import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { appRoot, exited, temporaryDirectory } from './helpers.js';
import { findChromium, keepScreenshot, SCREENSHOT_TIMEOUT_MS } from './chromium.js';

const CHROMIUM = findChromium('the dashboard browser tests are');

const bin = join(appRoot, 'bin/pes.js');

/**
 * The DOM Chromium built from `url` once its scripts ran, its console's messages and uncaught
 * errors, and a screenshot of the whole page kept as `screenshot` when given.
 */
async function dumpDom(
  browser: Browser,
  url: string,
  screenshot?: string,
): Promise<{ dom: string; console: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const console: string[] = [];
  page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
  // The dashboard has no icon: Chromium's request for one would put a 404 on the console.
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  try {
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status(), url).toBe(200);
    if (screenshot) await keepScreenshot(page, screenshot);
    return { dom: await page.content(), console };
  } finally {
    await page.close();
  }
}

/** Points of the meta-loss curve as the browser drew it (its line's path commands). */
const metaLossPoints = (dom: string) =>
  (dom.match(/aria-label="outer iteration: [^"]*; meta-loss: [^"]*" [^>]* d="([^"]*)"/)?.[1] ?? '')
    .split(/[ML]/)
    .filter(Boolean).length;

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;

describe.skipIf(!CHROMIUM)('pes dashboard in Chromium', () => {
  let server: Dashboard | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    server?.close();
    await browser?.close();
  });

  it(
    'shows a running pes meta-train, its curve growing between two reads, and a finished run',
    async () => {
      const root = temporaryDirectory('pes-dashboard-browser-');
      const env = { ...process.env, CI: '1' };
      const done = spawnSync(
        process.execPath,
        [
          bin,
          'meta-train',
          '--task',
          'quadratic',
          '--iterations',
          '20',
          '--eval-every',
          '5',
          '--out',
          join(root, 'done'),
        ],
        { encoding: 'utf8', env },
      );
      expect(done.status, done.stderr).toBe(0);
      // Slow enough (20,000 particles) to be read twice while it runs; stopped by the test.
      const live = spawn(
        process.execPath,
        [
          bin,
          'meta-train',
          '--task',
          'toy-regression',
          '--particles',
          '20000',
          '--iterations',
          '100000',
          '--eval-every',
          '10',
          '--out',
          join(root, 'live'),
        ],
        { stdio: 'ignore', env },
      );
      try {
        server = await startDashboard({ root, host: '127.0.0.1', port: 0 });
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
        for (let waited = 0; lines(join(root, 'live/metrics.jsonl')) < 3; waited += 100) {
          if (waited > 60_000) throw new Error('the run wrote no metrics');
          await new Promise((r) => setTimeout(r, 100));
        }
        const list = await dumpDom(browser, server.url, 'dashboard-runs.png');
        expect(list.dom).toMatch(
          /href="\/run\/live">live<\/a><\/td><td>toy-regression<\/td><td>pes<\/td><td class="running">running/,
        );
        expect(list.dom).toMatch(
          /href="\/run\/done">done<\/a><\/td><td>quadratic<\/td><td>pes<\/td><td class="finished">finished<\/td><td>20 \/ 20<\/td><td>\d/,
        );

        const first = await dumpDom(browser, `${server.url}run/live`);
        await new Promise((r) => setTimeout(r, 1500));
        const second = await dumpDom(browser, `${server.url}run/live`, 'dashboard-live.png');
        expect(metaLossPoints(first.dom)).toBeGreaterThan(2);
        expect(metaLossPoints(second.dom)).toBeGreaterThan(metaLossPoints(first.dom));
        // The page holds the live part the server-sent events refresh.
        expect(second.dom).toMatch(/<div id="live" data-events="\/events\?run=live"/);

        const finished = await dumpDom(browser, `${server.url}run/done`, 'dashboard-done.png');
        expect(finished.dom).toMatch(/<th>full-run objective \(initial → final\)<\/th>/);
        expect(finished.dom).toMatch(
          /<td>done<\/td><td>pes<\/td><td>finished \(20 of 20 iterations\)<\/td><td>\[[^\]]*\] → \[[^\]]*\]<\/td><td>112\.5\d* → \d/,
        );
        expect((finished.dom.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
        for (const page of [list, first, second, finished]) expect(page.console).toEqual([]);
      } finally {
        live.kill('SIGINT');
        await exited(live);
      }
      // Three pages keep a screenshot.
    },
    180_000 + 3 * SCREENSHOT_TIMEOUT_MS,
  );
});
