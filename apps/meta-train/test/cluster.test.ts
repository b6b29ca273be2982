import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { PES_VERSION } from '@pes/cluster/node';
import {
  inProcess,
  killAll,
  metricsLines,
  startRun as start,
  startWorkers as startWorkersWith,
  stopWorkers,
  thetaOf,
  until,
} from './cluster-processes.js';
import { pes, temporaryDirectory } from './helpers.js';
import { freePort, startRedisServer, testRedis, tlsRedis } from './redis-server.js';

// Real processes: the built `pes` (the global setup builds it) as coordinator and as workers,
// a real Redis server, kill -9 where the issue says so.

const redis = await testRedis();
if (!redis)
  console.warn(
    'cluster tests skipped: no redis-server on this machine (apt-get install redis-server)',
  );
const startWorkers = (url: string, count: number, env: NodeJS.ProcessEnv = process.env) =>
  startWorkersWith(url, count, [], env);

afterAll(async () => {
  killAll();
  await redis?.stop();
});

describe.skipIf(!redis)('meta-training over pes workers attached through Redis', () => {
  const MNIST = [
    '--task', 'mnist-lr-schedule', '--arch', '784-8-10', '--batch', '8', '--horizon', '10',
    '--unroll', '5', '--particles', '6', '--iterations', '4', '--eval-every', '2',
  ]; // prettier-ignore

  it('a coordinator and 3 workers reach the in-process θ, bit for bit', async () => {
    const url = redis!.url(1);
    const pool = await startWorkers(url, 3);
    const out = join(temporaryDirectory(), 'run');
    const run = start(['meta-train', ...MNIST, '--redis', url, '--workers', '3', '--out', out]);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).toContain('3 workers attached');
    expect(run.stdout()).toContain('split over 3 pes workers through Redis');
    // Progress names the workers attached, the shards and each worker's speed (a worker given
    // up on a loaded machine moves its shard: then fewer workers and a count of takeovers).
    expect(run.stdout()).toMatch(
      /iter 4\/4 .* [1-3] workers, 3 shards(?: · \d+ taken over)? · \S+:\d+ \d+ ms/,
    );
    expect(thetaOf(out)).toEqual(await inProcess(MNIST));
    await stopWorkers(pool);
  }, 120_000);

  const QUADRATIC = ['--task', 'quadratic', '--particles', '8', '--iterations', '1500'];

  it('4 workers, one killed with kill -9 mid-run: its shard moves and θ is the same', async () => {
    const url = redis!.url(2);
    const pool = await startWorkers(url, 4);
    const out = join(temporaryDirectory(), 'run');
    // Small shard logs: shards are snapshotted every few iterations, so the takeover restores a
    // snapshot and replays the requests since.
    const run = start(
      ['meta-train', ...QUADRATIC, '--redis', url, '--workers', '3', '--lease', '3', '--out', out],
      { ...process.env, PES_SHARD_LOG_BYTES: '20000' },
    ); // prettier-ignore
    await until(() => metricsLines(out) >= 200, 'the run to reach iteration 200');
    // A worker that holds a shard: it has said which session it serves.
    const victim = pool.find((w) => w.stdout().includes('serving session'))!;
    victim.child.kill('SIGKILL');
    expect(await run.exited, run.stderr()).toBe(0);
    expect(metricsLines(out)).toBe(1500);
    const moved =
      /is gone; shard \d moves to \S+ \(restoring a snapshot, replaying (\d+) requests\)/.exec(
        run.stderr(),
      );
    expect(moved, run.stderr()).not.toBeNull();
    expect(Number(moved![1])).toBeLessThan(200);
    expect(thetaOf(out)).toEqual(await inProcess(QUADRATIC));
    await stopWorkers(pool.filter((w) => w !== victim));
  }, 120_000);

  it('the coordinator killed with kill -9 and resumed continues with the workers still attached', async () => {
    const url = redis!.url(3);
    const pool = await startWorkers(url, 2);
    const out = join(temporaryDirectory(), 'run');
    const flags = ['--redis', url, '--workers', '2', '--lease', '3'];
    const first = start(['meta-train', ...QUADRATIC, ...flags, '--out', out]);
    await until(() => metricsLines(out) >= 300, 'the run to reach iteration 300');
    first.child.kill('SIGKILL');
    await first.exited;
    const resumed = start(['meta-train', '--resume', out, ...flags]);
    expect(await resumed.exited, resumed.stderr()).toBe(0);
    expect(resumed.stdout()).toMatch(/resuming .* at iteration [1-9]\d*/);
    expect(thetaOf(out)).toEqual(await inProcess(QUADRATIC));
    // The same two worker processes served both coordinators.
    for (const w of pool) expect(w.stdout().match(/serving session/g)?.length).toBe(2);
    await stopWorkers(pool);
  }, 120_000);
});

describe.skipIf(!redis)('pes bench scaling --redis', () => {
  it("prints each worker count's seconds per iteration and Redis's cost (ms, bytes)", async () => {
    const r = await pes(
      'bench', 'scaling', '--task', 'quadratic', '--workers', '1,2', '--redis', redis!.url(7),
      '--spawn', '--repeats', '1', '--iterations', '2', '--json',
    ); // prettier-ignore
    expect(r.status, r.err.join('\n')).toBe(0);
    const { rows } = JSON.parse(r.out.at(-1)!) as {
      rows: {
        workers: number;
        secondsPerIteration: number;
        redisMsPerIteration: number;
        redisBytesPerIteration: number;
      }[];
    };
    expect(rows.map((row) => row.workers)).toEqual([1, 2]);
    for (const row of rows) {
      expect(row.secondsPerIteration).toBeGreaterThan(0);
      expect(row.redisMsPerIteration).toBeGreaterThan(0);
      // At least θ's rows for every particle went out: N × dim float64s.
      expect(row.redisBytesPerIteration).toBeGreaterThan(100 * 2 * 8);
    }
  }, 60_000);
});

describe.skipIf(!redis)('a cluster that cannot work: one line, exit 2, nothing written', () => {
  const TINY = ['--task', 'quadratic', '--iterations', '3'];

  const refused = async (argv: string[]) => {
    const out = join(temporaryDirectory(), 'run');
    const r = start([...argv, '--out', out]);
    const status = await r.exited;
    const lines = r.stderr().trim().split('\n');
    return { status, last: lines.at(-1)!, stderr: r.stderr(), wrote: existsSync(out) };
  };

  it('Redis unreachable: a visible wait, then one line', async () => {
    const port = await freePort();
    const r = await refused([
      'meta-train', ...TINY, '--redis', `redis://127.0.0.1:${port}`, '--workers', '1', '--wait', '1',
    ]); // prettier-ignore
    expect(r.status).toBe(2);
    expect(r.last).toMatch(
      /^pes: cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.wrote).toBe(false);
    const w = start(['worker', '--redis', `redis://127.0.0.1:${port}`, '--wait', '1']);
    expect(await w.exited).toBe(2);
    expect(w.stderr().trim().split('\n').at(-1)).toMatch(/^pes: cannot use Redis/);
  }, 60_000);

  it('a wrong password is refused in one line; no password is ever printed or saved', async () => {
    const admin = new Redis(redis!.url(4));
    await admin.call('ACL', 'SETUSER', 'pes-test', 'on', '>s3cret-pw', '~*', '&*', '+@all');
    const base = redis!.url(4).replace('redis://', '');
    const wrong = await refused([
      'meta-train', ...TINY, '--redis', `redis://pes-test:not-it@${base}`, '--workers', '1', '--wait', '2',
    ]); // prettier-ignore
    expect(wrong.status).toBe(2);
    expect(wrong.last).toMatch(/refused the user name or password$/);
    expect(wrong.stderr).not.toContain('not-it');

    const url = `redis://pes-test:s3cret-pw@${base}`;
    const pool = await startWorkers(url, 1);
    const out = join(temporaryDirectory(), 'run');
    const run = start(['meta-train', ...TINY, '--redis', url, '--workers', '1', '--out', out]);
    expect(await run.exited, run.stderr()).toBe(0);
    const everything = [run.stdout(), run.stderr(), pool[0]!.stdout(), pool[0]!.stderr()]
      .concat(readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8')))
      .join('\n');
    expect(everything).toContain('redis://127.0.0.1');
    expect(everything).not.toContain('s3cret-pw');
    await stopWorkers(pool);
    await admin.call('ACL', 'DELUSER', 'pes-test');
    admin.disconnect();
  }, 60_000);

  it('rediss:// with a password: TLS to a server whose certificate the machine trusts', async () => {
    const tls = await tlsRedis(temporaryDirectory());
    if (!tls) {
      console.warn('rediss:// test skipped: no openssl or no TLS build of redis-server');
      return;
    }
    try {
      const env = { ...process.env, NODE_EXTRA_CA_CERTS: tls.ca };
      const admin = new Redis(tls.url(0), { tls: { ca: readFileSync(tls.ca) } });
      await admin.call('ACL', 'SETUSER', 'pes-tls', 'on', '>tls-pw-9', '~*', '&*', '+@all');
      admin.disconnect();
      const url = tls.url(1).replace('rediss://', 'rediss://pes-tls:tls-pw-9@');
      const pool = await startWorkers(url, 2, env);
      const out = join(temporaryDirectory(), 'run');
      const run = start(
        ['meta-train', ...TINY, '--redis', url, '--workers', '2', '--out', out],
        env,
      );
      expect(await run.exited, run.stderr()).toBe(0);
      expect(run.stderr()).toContain(`2 workers attached at ${tls.url(1)}`);
      expect(run.stdout() + run.stderr()).not.toContain('tls-pw-9');
      expect(thetaOf(out)).toEqual(await inProcess(TINY));
      await stopWorkers(pool);
    } finally {
      await tls.stop();
    }
  }, 60_000);

  it('Redis lost mid-run: one line and exit 2 after --wait; the run resumes without it at the same θ', async () => {
    const own = (await startRedisServer())!;
    const url = own.url(0);
    const pool = await startWorkers(url, 1);
    const out = join(temporaryDirectory(), 'run');
    const args = [
      '--task',
      'quadratic',
      '--particles',
      '8',
      '--iterations',
      '800',
      '--checkpoint-every',
      '20',
    ];
    const run = start([
      'meta-train',
      ...args,
      '--redis',
      url,
      '--workers',
      '1',
      '--wait',
      '2',
      '--out',
      out,
    ]);
    await until(() => metricsLines(out) >= 100, 'the run to reach iteration 100');
    await own.kill();
    expect(await run.exited, run.stderr()).toBe(2);
    const lines = run.stderr().trim().split('\n');
    expect(lines.at(-1)).toBe(
      `pes: lost the connection to Redis at ${url} for more than 2 s; the last checkpoint stands`,
    );
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    expect(await pool[0]!.exited).toBe(2);
    expect(pool[0]!.stderr()).toMatch(/lost the connection to Redis/);
    const resumed = await pes('meta-train', '--resume', out, '--workers', '1');
    expect(resumed.status, resumed.err.join('\n')).toBe(0);
    expect(thetaOf(out)).toEqual(await inProcess(args));
  }, 120_000);

  it('a worker of another version is not attached, and the line says why', async () => {
    const url = redis!.url(5);
    const admin = new Redis(url);
    const record = { id: 'old-1-abcd', version: '0.0.1', protocol: 1, host: 'old', pid: 1 };
    await admin.set('pes:alive:old-1-abcd', JSON.stringify(record), 'PX', 30_000);
    const r = await refused([
      'meta-train',
      ...TINY,
      '--redis',
      url,
      '--workers',
      '1',
      '--wait',
      '1',
    ]);
    expect(r.status).toBe(2);
    expect(r.last).toBe(
      `pes: 0 of 1 workers attached to ${url} after 1 s (ignored: old:1 runs @pes 0.0.1; this is @pes ${PES_VERSION}); start more with: npx pes worker --redis URL`,
    );
    admin.disconnect();
  }, 60_000);

  it('a worker that cannot build the task from the run config: one line naming why', async () => {
    const url = redis!.url(6);
    const pool = await startWorkers(url, 1);
    const r = await refused([
      'meta-train', '--task', 'mnist-mlp', '--data-dir', '/nonexistent/pes-data', '--iterations', '1',
      '--redis', url, '--workers', '1',
    ]); // prettier-ignore
    expect(r.status).toBe(2);
    expect(r.last).toMatch(/^pes: .*\/nonexistent\/pes-data/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.wrote).toBe(false);
    await stopWorkers(pool);
  }, 60_000);

  it('flags for Redis alone are refused without --redis; --redis needs --workers', async () => {
    const a = await pes('meta-train', ...TINY, '--lease', '3');
    expect(a).toMatchObject({
      status: 2,
      err: ['pes: --lease is for runs over Redis: add --redis URL'],
    });
    const b = await pes('meta-train', ...TINY, '--redis', 'redis://127.0.0.1:1');
    expect(b).toMatchObject({
      status: 2,
      err: ['pes: --redis needs --workers W: the number of pes workers to attach'],
    });
    const c = await pes('meta-train', ...TINY, '--redis', 'http://x', '--workers', '1');
    expect(c.err).toEqual(['pes: --redis: http:// is not a Redis URL (redis:// or rediss://)']);
  });
});
