import { spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboard } from '../src/commands/dashboard.js';
import { pathParts, startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { LOCK_FRESH_MS, RECENTLY_MODIFIED_MS, runState } from '../src/dashboard/runs.js';
import { reportPlots } from '../src/report-plots.js';
import { appRoot, exited, temporaryDirectory } from './helpers.js';
import { metricsLine, writeRun } from './run-fixtures.js';
import { readRun } from '@pes/runner/node';

/** A GET with the path sent exactly as written (fetch would resolve `..` before sending). */
function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every file and directory under `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => {
      const s = statSync(join(dir, name), { throwIfNoEntry: false });
      return `${name} ${s?.size} ${s?.mtimeMs}`;
    })
    .sort();
}

const SECRET = 'nothing outside the root is served';

describe('pes dashboard: the server', () => {
  const parent = temporaryDirectory('pes-dashboard-');
  const root = join(parent, 'runs');
  let server: Dashboard;
  let before: string[];

  beforeAll(async () => {
    writeFileSync(join(parent, 'secret.txt'), SECRET);
    writeRun(join(root, 'finished'), { iterations: 20, evalEvery: 5, finished: true });
    writeRun(join(root, 'group/live'), { iterations: 12, evalEvery: 5, finished: false });
    const old = writeRun(join(root, 'old'), {
      iterations: 8,
      evalEvery: 0,
      finished: false,
      estimator: 'tes',
    });
    const longAgo = new Date(Date.now() - 2 * RECENTLY_MODIFIED_MS);
    for (const f of readdirSync(old)) utimesSync(join(old, f), longAgo, longAgo);
    symlinkSync(join(parent, 'secret.txt'), join(root, 'finished/link.txt'));
    mkdirSync(join(root, 'not-a-run'));
    before = snapshot(parent);
    server = await startDashboard({ root, host: '127.0.0.1', port: 0, pollMs: 50 });
  });
  afterAll(() => server?.close());

  it('listens on 127.0.0.1 on a free port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.url).not.toMatch(/:0\/$/);
  });

  it('lists the runs with task, estimator, state and latest figures in words', async () => {
    const { status, body } = await get(server.url, '/');
    expect(status).toBe(200);
    const row = (id: string) =>
      body.match(new RegExp(`<tr><td><input[^>]*value="${id}">.*</tr>`))![0];
    expect(row('finished')).toMatch(
      /mnist-lr-schedule<\/td><td>pes<\/td><td class="finished">finished<\/td><td>20 \/ 20<\/td><td>80<\/td><td>0\.82000<\/td>/,
    );
    expect(row('group/live')).toMatch(
      /class="running">running<\/td><td>12 \/ 12<\/td><td>88<\/td>/,
    );
    expect(row('old')).toMatch(/<td>tes<\/td><td class="interrupted">interrupted<\/td><td>8 \/ 8/);
    expect(body).toMatch(/<th>full-run objective<\/th><th>val accuracy<\/th><th>val loss<\/th>/);
    expect(body).not.toMatch(/not-a-run/);
  });

  it("a run's page: report.html's plots and tables, live", async () => {
    const { status, body } = await get(server.url, '/run/finished');
    expect(status).toBe(200);
    const titles = reportPlots([readRun(join(root, 'finished'))]).map((p) => p.title);
    expect(titles.length).toBeGreaterThan(4);
    for (const title of titles) expect(body).toContain(`<figcaption>${title}</figcaption><svg`);
    expect(body).toMatch(/<h2>Configuration<\/h2>/);
    expect(body).toMatch(/data-events="\/events\?run=finished"/);
    expect((await get(server.url, '/run/group/live')).status).toBe(200);
  });

  it('overlays several runs as pes compare does', async () => {
    const { status, body } = await get(server.url, '/compare?run=finished&run=group%2Flive');
    expect(status).toBe(200);
    expect(body).toMatch(/comparison of 2 runs/);
    expect(body).toMatch(/<td>finished<\/td><td>pes<\/td><td>finished \(20 of 20/);
    expect(body).toMatch(/<td>group\/live<\/td><td>pes<\/td><td>running \(12 of 12/);
    expect((await get(server.url, '/compare?run=finished&run=nope')).status).toBe(404);
  });

  it('serves a file of a run, and nothing outside the directory it was given', async () => {
    const inside = await get(server.url, '/file/finished/config.json');
    expect(inside.status).toBe(200);
    expect(JSON.parse(inside.body)).toMatchObject({ task: 'mnist-lr-schedule' });
    for (const path of [
      '/../secret.txt',
      '/file/finished/../../secret.txt',
      '/file/../secret.txt',
      '/file/finished/%2e%2e/%2e%2e/secret.txt',
      '/file/finished/%2E%2E%2F%2E%2E%2Fsecret.txt',
      '/file/finished/..%2f..%2fsecret.txt',
      '/run/%2e%2e',
      '/compare?run=..',
      '/file/finished/link.txt',
      '/file/not-a-run/x',
      '/file/finished/%',
    ]) {
      const r = await get(server.url, path);
      expect([400, 403, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain(SECRET);
    }
    expect((await get(server.url, '/file/finished/%2e%2e/%2e%2e/secret.txt')).status).toBe(403);
    expect((await get(server.url, '/file/finished/link.txt')).status).toBe(403);
  });

  it('sends a line appended to metrics.jsonl to a live client, once whole', async () => {
    const { hostname, port } = new URL(server.url);
    let received = '';
    const req = request({ hostname, port, path: '/events?run=group%2Flive' });
    const response = await new Promise<IncomingMessage>((resolve) => {
      req.on('response', resolve);
      req.end();
    });
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    response.setEncoding('utf8');
    response.on('data', (d: string) => (received += d));
    const until = async (test: () => boolean) => {
      for (let waited = 0; !test(); waited += 20) {
        if (waited > 5000) throw new Error(`no such event in: ${received}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => received.includes('retry:'));
    const file = join(root, 'group/live/metrics.jsonl');
    const line = metricsLine(13, true);
    appendFileSync(file, line.slice(0, 40));
    await new Promise((r) => setTimeout(r, 300));
    expect(received).not.toMatch(/event: metrics/);
    appendFileSync(file, line.slice(40));
    await until(() => received.includes('event: metrics'));
    const data = received.match(/event: metrics\ndata: (.*)\n/)![1]!;
    expect(JSON.parse(data)).toEqual({ run: 'group/live', lines: [JSON.parse(line)] });
    req.destroy();
    // The appended line is the test's own write: take it into the read-only check's snapshot.
    before = before.map((entry) =>
      entry.startsWith('runs/group/live/metrics.jsonl ')
        ? snapshot(parent).find((e) => e.startsWith('runs/group/live/metrics.jsonl '))!
        : entry,
    );
  });

  it('never writes into the directory it serves', () => {
    expect(snapshot(parent)).toEqual(before);
  });
});

describe('pes dashboard: run states and paths', () => {
  it.each([
    [{ finished: true, sinceModifiedMs: 1e9 }, 'finished'],
    [{ finished: true, lockAgeMs: 0, sinceModifiedMs: 0 }, 'finished'],
    [{ finished: false, sinceModifiedMs: 1000 }, 'running'],
    [{ finished: false, sinceModifiedMs: RECENTLY_MODIFIED_MS + 1 }, 'interrupted'],
    [{ finished: false, lockAgeMs: 1000, sinceModifiedMs: 1e9 }, 'running'],
    [{ finished: false, lockAgeMs: LOCK_FRESH_MS + 1, sinceModifiedMs: 0 }, 'interrupted'],
  ] as const)('%o is %s', (facts, state) => {
    expect(runState(facts)).toBe(state);
  });

  it.each(['/..', '/a/../b', '/%2e%2e/x', '/%2E%2e', '/a%2f..', '/a%5cb', '/.', '/a%00'])(
    'refuses %s',
    (path) => {
      expect(() => pathParts(path)).toThrow('403');
    },
  );

  it('decodes the parts of an ordinary path', () => {
    expect(pathParts('/run/group/a%20b?x=..')).toEqual(['run', 'group', 'a b']);
  });
});

describe('pes dashboard: the command', () => {
  it('refuses a missing directory in one line', async () => {
    const err: string[] = [];
    await expect(
      dashboard('/nonexistent/runs', {}, { out: () => {}, err: (l) => err.push(l) }),
    ).rejects.toThrow(/no directory \/nonexistent\/runs/);
  });

  it('warns when --host opens it beyond this machine', async () => {
    const root = temporaryDirectory('pes-dashboard-');
    const out: string[] = [];
    const err: string[] = [];
    let stop!: () => void;
    const running = dashboard(
      root,
      { host: '0.0.0.0' },
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      new Promise<void>((r) => (stop = r)),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(err).toEqual([expect.stringMatching(/^pes: warning: listening on 0\.0\.0\.0: anyone/)]);
    expect(out).toEqual([expect.stringMatching(/ at http:\/\/0\.0\.0\.0:\d+\/ /)]);
    stop();
    expect(await running).toBe(0);
  });

  it('the built pes dashboard answers the names given with --allow-host, and 403 to others', async () => {
    const root = temporaryDirectory('pes-dashboard-');
    writeRun(join(root, 'a'), { iterations: 4, evalEvery: 2, finished: true });
    const child = spawn(
      process.execPath,
      [join(appRoot, 'bin/pes.js'), 'dashboard', root, '--allow-host', 'pes.example, Box.Lan:8080'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    for (let waited = 0; !/http:\/\/\S+/.test(stdout); waited += 50) {
      if (waited > 20000) throw new Error(`no URL printed: ${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = stdout.match(/http:\/\/127\.0\.0\.1:\d+\//)![0];
    const status = async (host: string) => {
      const { hostname, port } = new URL(url);
      return new Promise<number>((resolve, reject) => {
        const req = request({ hostname, port, path: '/', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    };
    expect(await status('pes.example')).toBe(200);
    expect(await status('box.lan:1234')).toBe(200);
    expect(await status('localhost')).toBe(200);
    expect(await status('other.example')).toBe(403);
    child.kill('SIGINT');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  }, 30000);

  it('the built pes dashboard prints its URL, serves it and stops on Ctrl-C', async () => {
    const root = temporaryDirectory('pes-dashboard-');
    writeRun(join(root, 'a'), { iterations: 4, evalEvery: 2, finished: true });
    const child = spawn(process.execPath, [join(appRoot, 'bin/pes.js'), 'dashboard', root], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    for (let waited = 0; !/http:\/\/\S+/.test(stdout); waited += 50) {
      if (waited > 20000) throw new Error(`no URL printed: ${stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = stdout.match(/http:\/\/127\.0\.0\.1:\d+\//)![0];
    const page = await get(url, '/');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/href="\/run\/a">a<\/a>/);
    child.kill('SIGINT');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  }, 30000);
});
