import {
  appendFileSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { request, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveRuns } from '../src/dashboard/live-runs.js';
import { runFacts, runState } from '../src/dashboard/runs.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { readRun } from '@pes/runner/node';
import { exited, spawnBuilt, temporaryDirectory } from './helpers.js';
import { metricsLine, writeRun } from './run-fixtures.js';

/** A GET with the path sent exactly as written, and any Host header. */
function get(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An open event stream: what it has received so far, and how to close it. */
interface Stream {
  status: number;
  received: () => string;
  close: () => void;
}

function stream(base: string, path: string): Promise<Stream> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request({ hostname, port, path, agent: false });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let received = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (received += d));
      res.on('error', () => {});
      resolve({
        status: res.statusCode ?? 0,
        received: () => received,
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(test: () => boolean, what: string, ms = 10_000) {
  for (let waited = 0; !test(); waited += 20) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const SECRET = 'a line from outside the served directory';

describe('pes dashboard: what lies in DIR cannot reach out of it or break a page', () => {
  const parent = temporaryDirectory('pes-dashboard-hardened-');
  const root = join(parent, 'runs');
  const outside = join(parent, 'outside.jsonl');
  let server: Dashboard;

  beforeAll(async () => {
    writeFileSync(outside, `${JSON.stringify({ iteration: 1, secret: SECRET })}\n`);
    writeFileSync(join(parent, 'result.json'), JSON.stringify({ secret: SECRET }));
    writeRun(join(root, 'good'), { iterations: 6, evalEvery: 3, finished: true });
    const linked = writeRun(join(root, 'linked'), { iterations: 4, evalEvery: 2, finished: false });
    rmSync(join(linked, 'metrics.jsonl'));
    symlinkSync(outside, join(linked, 'metrics.jsonl'));
    const finished = writeRun(join(root, 'linked-result'), {
      iterations: 4,
      evalEvery: 2,
      finished: false,
    });
    symlinkSync(join(parent, 'result.json'), join(finished, 'result.json'));
    // Config files no run wrote: another program's, not JSON at all, one level deeper.
    mkdirSync(join(root, 'foreign'));
    writeFileSync(join(root, 'foreign/config.json'), '{"name": "another program"}');
    mkdirSync(join(root, 'group/sub/broken'), { recursive: true });
    writeFileSync(join(root, 'group/sub/broken/config.json'), 'not json {');
    server = await startDashboard({
      root,
      host: '127.0.0.1',
      port: 0,
      pollMs: 50,
      allowHosts: ['pes.example'],
      maxEventClients: 3,
    });
  });
  afterAll(() => server?.close());

  it('never follows a symlinked metrics.jsonl or result.json out of DIR: not in /events, not in pages', async () => {
    const named = await stream(server.url, '/events?run=linked');
    const every = await stream(server.url, '/events');
    await until(() => named.received().includes('retry:'), 'the stream to open');
    appendFileSync(outside, `${JSON.stringify({ iteration: 2, secret: SECRET })}\n`);
    await sleep(400);
    named.close();
    every.close();
    expect(named.received() + every.received()).not.toContain('secret');
    for (const path of ['/', '/run/linked', '/run/linked-result', '/fragment']) {
      const page = await get(server.url, path);
      expect(page.body, path).not.toContain(SECRET);
      expect(page.status, path).not.toBe(500);
    }
    // Nor is the state read through the link: the link's own (old) time counts, not its target's.
    const day = 24 * 3600;
    utimesSync(outside, Date.now() / 1000 + day, Date.now() / 1000 + day);
    for (const f of readdirSync(join(root, 'linked')))
      lutimesSync(join(root, 'linked', f), 1e9, 1e9);
    expect(runState(runFacts(join(root, 'linked')))).toBe('interrupted');
    expect(() => readRun(join(root, 'linked'))).toThrow(/metrics\.jsonl leads out of /);
    expect(() => readRun(join(root, 'linked-result'))).toThrow(/result\.json leads out of /);
  });

  it('shows a config.json of another program, or none that parses, as one bad row beside the good runs', async () => {
    const list = await get(server.url, '/');
    expect(list.status).toBe(200);
    expect(list.body).toMatch(/href="\/run\/good">good<\/a>/);
    expect(list.body).toMatch(
      /<td>foreign<\/td><td class="unreadable" colspan="\d+">unreadable: .*foreign\/config\.json does not hold what a run writes/,
    );
    expect(list.body).toMatch(
      /<td>group\/sub\/broken<\/td><td class="unreadable" colspan="\d+">unreadable: .*config\.json is not valid JSON/,
    );
    expect((await get(server.url, '/fragment')).status).toBe(200);
    const page = await get(server.url, '/run/foreign');
    expect(page.status).toBe(422);
    expect(page.body).toMatch(/This run cannot be read: .*does not hold what a run writes/);
    expect((await get(server.url, '/compare?run=good&run=foreign')).status).toBe(422);
  });

  it('answers only requests that name it: a foreign Host (DNS rebinding) gets 403', async () => {
    const { port } = new URL(server.url);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'pes.example'])
      expect((await get(server.url, '/', { host })).status, host).toBe(200);
    for (const host of [`attacker.example:${port}`, 'localhost.attacker.example', '127.0.0.2']) {
      const refused = await get(server.url, '/file/good/config.json', { host });
      expect(refused.status, host).toBe(403);
      expect(refused.body).toMatch(/does not answer to that Host \(see --allow-host\)/);
      expect((await get(server.url, '/events', { host })).status, host).toBe(403);
    }
  });

  it('serves at most maxEventClients event streams; the next gets 503 until one closes', async () => {
    const streams = await Promise.all([1, 2, 3].map(() => stream(server.url, '/events')));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await stream(server.url, '/events?run=good');
    expect(refused.status).toBe(503);
    expect(refused.received()).toMatch(/^503: this dashboard serves at most 3 live pages/);
    streams[0]!.close();
    await sleep(100);
    const next = await stream(server.url, '/events?run=good');
    expect(next.status).toBe(200);
    for (const s of [...streams, next]) s.close();
  });
});

/** The CPU seconds and the resident memory (now and at most) of process `pid`, from /proc. */
function usage(pid: number): { cpuSeconds: number; rssMiB: number; peakRssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
  return {
    cpuSeconds: ticks / 100,
    rssMiB: kib('VmRSS') / 1024,
    peakRssMiB: kib('VmHWM') / 1024,
  };
}

/** The built `pes dashboard DIR` as a user starts it, and its URL. */
async function startBuilt(root: string) {
  const child = spawnBuilt(['dashboard', root]);
  await until(() => /http:\/\/\S+/.test(child.output().stdout), 'the URL', 30_000);
  const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(child.output().stdout)![0];
  return { child, url };
}

describe.skipIf(process.platform !== 'linux')(
  'pes dashboard under load (the built pes, its CPU and memory from /proc)',
  () => {
    it('200 idle event streams over 300 runs: CPU and page time stay bounded', async () => {
      const root = temporaryDirectory('pes-dashboard-load-');
      for (let i = 0; i < 300; i++)
        writeRun(join(root, `group-${i % 10}/run-${i}`), {
          iterations: 40,
          evalEvery: 10,
          finished: i % 2 === 0,
        });
      const { child, url } = await startBuilt(root);
      try {
        const streams = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            stream(url, i % 2 === 0 ? '/events' : `/events?run=group-${i % 10}%2Frun-${i}`),
          ),
        );
        expect(streams.every((s) => s.status === 200)).toBe(true);
        await sleep(1000);
        const before = usage(child.pid!);
        const window = 5;
        await sleep(window * 1000);
        const cpu = (usage(child.pid!).cpuSeconds - before.cpuSeconds) / window;
        const started = performance.now();
        const page = await get(url, '/');
        const pageSeconds = (performance.now() - started) / 1000;
        expect(page.status).toBe(200);
        expect(page.body.match(/<tr><td><input/g)).toHaveLength(300);
        console.log(
          `200 idle event streams, 300 runs: dashboard CPU ${(cpu * 100).toFixed(1)} % of a core over ${window} s idle; GET / in ${pageSeconds.toFixed(2)} s`,
        );
        expect(cpu).toBeLessThan(0.25);
        expect(pageSeconds).toBeLessThan(3);
        for (const s of streams) s.close();
      } finally {
        child.kill('SIGINT');
        await exited(child);
      }
    }, 120_000);

    it('a 30 MB line without a newline, watched by 20 clients: skipped and said so, memory bounded', async () => {
      const root = temporaryDirectory('pes-dashboard-line-');
      const dir = writeRun(join(root, 'endless'), { iterations: 4, evalEvery: 2, finished: false });
      const file = join(dir, 'metrics.jsonl');
      const { child, url } = await startBuilt(root);
      try {
        const streams = await Promise.all(
          Array.from({ length: 20 }, () => stream(url, '/events?run=endless')),
        );
        await until(() => streams.every((s) => s.received().includes('retry:')), 'the streams');
        const baseline = usage(child.pid!).rssMiB;
        const megabyte = `[${'1,'.repeat(2 ** 19 - 1)}1`.slice(0, 2 ** 20);
        for (let i = 0; i < 30; i++) {
          appendFileSync(file, megabyte);
          await sleep(30);
        }
        await sleep(500);
        appendFileSync(file, `]\n${metricsLine(5, false)}`);
        await until(
          () => streams.every((s) => /event: metrics\ndata: .*"iteration":5/.test(s.received())),
          'the line after the long one',
        );
        for (const s of streams)
          expect(s.received()).toMatch(/event: skipped\ndata: \{"run":"endless","lines":1,/);
        const page = await get(url, '/run/endless');
        expect(page.status).toBe(200);
        expect(page.body).toMatch(
          /endless: 1 line\(s\) of metrics\.jsonl skipped, each longer than 8 MiB/,
        );
        const { peakRssMiB } = usage(child.pid!);
        console.log(
          `30 MB line, 20 clients: dashboard RSS ${baseline.toFixed(0)} MiB before, at most ${peakRssMiB.toFixed(0)} MiB (VmHWM)`,
        );
        expect(peakRssMiB).toBeLessThan(baseline + 150);
        for (const s of streams) s.close();
      } finally {
        child.kill('SIGINT');
        await exited(child);
      }
    }, 120_000);
  },
);

describe('pes dashboard: one watcher per run, whatever the clients', () => {
  it('50 clients of one run: one watch, the same events for all; a client that stops reading is dropped', async () => {
    const root = temporaryDirectory('pes-dashboard-live-');
    const dir = writeRun(join(root, 'a'), { iterations: 2, evalEvery: 0, finished: false });
    const live = new LiveRuns(root, 20);
    const reading = Array.from({ length: 50 }, () => {
      const client = new PassThrough();
      let received = '';
      client.on('data', (d: Buffer) => (received += d.toString()));
      return { client, received: () => received };
    });
    const stalled = new PassThrough(); // never read: what it is sent waits in its buffer
    for (const { client } of reading)
      live.add(client as unknown as ServerResponse, new Map([['a', dir]]), false);
    live.add(stalled as unknown as ServerResponse, new Map([['a', dir]]), false);
    expect(live.clients).toBe(51);
    expect(live.watchedRuns).toBe(1);
    // 5 MB of lines: more than a client may leave unsent (4 MiB).
    let lines = '';
    for (let i = 3; lines.length < 5e6; i++) lines += metricsLine(i, false);
    appendFileSync(join(dir, 'metrics.jsonl'), lines);
    await until(() => reading.every((r) => r.received().includes('event: metrics')), 'metrics');
    appendFileSync(join(dir, 'metrics.jsonl'), metricsLine(1e6, false));
    await until(() => stalled.destroyed, 'the stalled client to be dropped');
    await until(() => reading.every((r) => r.received().includes('"iteration":1000000')), 'more');
    expect(new Set(reading.map((r) => r.received())).size).toBe(1);
    await until(() => live.clients === 50, 'the count to drop');
    for (const { client } of reading) client.destroy();
    await until(() => live.watchedRuns === 0, 'the watch to go with its last client');
    live.close();
  });
});
