import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { appRoot, exited, temporaryDirectory } from './helpers.js';

/**
 * Debian's Chromium, driven headless (no npm dependency, no browser download). CI needs the
 * `chromium` package; without it these tests are skipped, and say so.
 */
const CHROMIUM = ['chromium', 'chromium-browser']
  .map((name) => spawnSync('which', [name], { encoding: 'utf8' }).stdout.trim())
  .find(Boolean);
if (!CHROMIUM) console.warn('chromium not found: the dashboard browser tests are skipped');

const bin = join(appRoot, 'bin/pes.js');
const profile = temporaryDirectory('pes-chromium-');

/**
 * The DOM Chromium built from `url` once its scripts ran, and its console's lines. Asynchronous:
 * the server answering Chromium runs in this process.
 */
async function dumpDom(url: string): Promise<{ dom: string; console: string[] }> {
  const child = spawn(
    CHROMIUM!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      '--dump-dom',
      url,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const { code } = await exited(child);
  expect(code, stderr).toBe(0);
  return { dom: stdout, console: stderr.split('\n').filter((l) => l.includes(':CONSOLE')) };
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
  afterAll(() => server?.close());

  it('shows a running pes meta-train, its curve growing between two reads, and a finished run', async () => {
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
      for (let waited = 0; lines(join(root, 'live/metrics.jsonl')) < 3; waited += 100) {
        if (waited > 60_000) throw new Error('the run wrote no metrics');
        await new Promise((r) => setTimeout(r, 100));
      }
      const list = await dumpDom(server.url);
      expect(list.dom).toMatch(
        /href="\/run\/live">live<\/a><\/td><td>toy-regression<\/td><td>pes<\/td><td class="running">running/,
      );
      expect(list.dom).toMatch(
        /href="\/run\/done">done<\/a><\/td><td>quadratic<\/td><td>pes<\/td><td class="finished">finished<\/td><td>20 \/ 20<\/td><td>\d/,
      );

      const first = await dumpDom(`${server.url}run/live`);
      await new Promise((r) => setTimeout(r, 1500));
      const second = await dumpDom(`${server.url}run/live`);
      expect(metaLossPoints(first.dom)).toBeGreaterThan(2);
      expect(metaLossPoints(second.dom)).toBeGreaterThan(metaLossPoints(first.dom));
      // The page holds the live part the server-sent events refresh.
      expect(second.dom).toMatch(/<div id="live" data-events="\/events\?run=live"/);

      const finished = await dumpDom(`${server.url}run/done`);
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
  }, 180_000);
});
