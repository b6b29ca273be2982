import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decode,
  encodeMessage,
  keys,
  PES_VERSION,
  PROTOCOL,
  type Envelope,
  type Reply,
} from '@pes/cluster/node';
import {
  inProcess,
  killAll,
  metricsLines,
  startRun,
  startWorkers,
  stopWorkers,
  thetaOf,
  until,
  type Running,
} from './cluster-processes.js';
import { pes, temporaryDirectory } from './helpers.js';
import { freePort, testRedis } from './redis-server.js';

// Issue 26: a cluster whose Redis holds hostile or broken messages. Real processes (the built
// `pes` as coordinator and workers) and a real redis-server; each attack ends at the reference θ
// bit for bit, or in one line with exit 2 and a checkpoint that --resume finishes to it, or (a
// forgery without the secret) in the behaviour docs/scaling.md states. Never a hang: every test
// has a deadline. Databases 8-15 (cluster.test.ts has 1-7 when one Redis serves both files).

const redis = await testRedis();
if (!redis) console.warn('cluster attack tests skipped: no redis-server on this machine');

afterAll(async () => {
  killAll();
  await redis?.stop();
});

const RUN = [
  '--task', 'quadratic', '--particles', '8', '--unroll', '10', '--iterations', '300',
  '--checkpoint-every', '20',
]; // prettier-ignore
let referenceTheta: number[] | undefined;
const reference = async () => (referenceTheta ??= await inProcess(RUN));

const SECRET = 'a-cluster-secret-for-the-tests-0123456789';

/** The session a run's coordinator works in, and the workers it claimed (read from Redis). */
async function sessionOf(admin: Redis): Promise<{ session: string; workers: string[] }> {
  const claims = await admin.keys('pes:claim:*');
  const session = (await admin.get(claims[0]!))!;
  return { session, workers: claims.map((k) => k.slice('pes:claim:'.length)) };
}

/** A v8 value nested 20,000 deep, as bytes (V8 itself cannot serialise it). */
const deep = Buffer.concat([serialize(null).subarray(0, 2), Buffer.alloc(20_000, 0x6f)]);
const JUNK = [Buffer.from('garbage'), serialize(null), deep, Buffer.from([0xff, 0x0f, 0x6f])];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runOver(url: string, flags: string[], env?: NodeJS.ProcessEnv) {
  const out = join(temporaryDirectory(), 'run');
  const run = startRun(['meta-train', ...RUN, '--redis', url, ...flags, '--out', out], env);
  await until(
    () => metricsLines(out) >= 20 || run.child.exitCode !== null,
    'the run to reach iteration 20',
  );
  return { out, run };
}

/**
 * An attack's setting: `workers` fresh workers on database `db`, a run over them past iteration
 * 20, and an admin connection that knows the session the run works in and the workers it claimed.
 */
async function attackedRun(
  db: number,
  options: {
    workers?: number;
    workerFlags?: string[];
    runFlags?: string[];
    env?: NodeJS.ProcessEnv;
  } = {},
) {
  const url = redis!.url(db);
  const count = options.workers ?? 1;
  const pool = await startWorkers(
    url,
    count,
    options.workerFlags ?? [],
    options.env ?? process.env,
  );
  const flags = ['--workers', String(count), ...(options.runFlags ?? [])];
  const { out, run } = await runOver(url, flags, options.env);
  const admin = new Redis(url);
  const { session, workers } = await sessionOf(admin);
  return { url, pool, out, run, admin, session, workers };
}

async function endsAtReference(run: Running, out: string): Promise<void> {
  expect(await run.exited, run.stderr()).toBe(0);
  expect(thetaOf(out)).toEqual(await reference());
}

describe.skipIf(!redis)('a Redis holding hostile or broken messages', () => {
  it('garbage, null and a 20,000-deep value in every inbox and in the reply list: ignored and counted, θ unchanged', async () => {
    const { pool, out, run, admin, session, workers } = await attackedRun(8, { workers: 2 });
    for (const bytes of JUNK) {
      for (const w of workers) await admin.rpush(keys.inbox(w), bytes);
      await admin.rpush(keys.reply(session), bytes);
    }
    await endsAtReference(run, out);
    expect(run.stderr()).toMatch(/pes: ignored a message in pes:reply:\S+: not a serialised value/);
    expect(run.stdout()).toMatch(/· 4 messages ignored \(/);
    for (const w of pool) {
      expect(w.stderr()).toMatch(/pes: ignored a message in pes:inbox:\S+: nested deeper than 64/);
      expect(w.child.exitCode).toBeNull();
    }
    admin.disconnect();
    await stopWorkers(pool);
  }, 90_000);

  it("a foreign session's envelope is ignored; 30 create messages build at most --max-shards shards", async () => {
    const { pool, out, run, admin, session, workers } = await attackedRun(9);
    const inbox = keys.inbox(workers[0]!);
    const envelope = (from: string, shard: number, request: unknown) =>
      serialize({
        session: from,
        shard,
        seq: 1,
        version: PES_VERSION,
        protocol: PROTOCOL,
        request,
      });
    // Another session's close of shard 0 once dropped the live run's shards.
    await admin.rpush(inbox, envelope('intruder-1-abcd', 0, { op: 'close' }));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as unknown;
    for (let shard = 100; shard < 130; shard++)
      await admin.rpush(inbox, envelope(session, shard, { op: 'create', config }));
    await endsAtReference(run, out);
    const said = pool[0]!.stderr();
    expect(said).toContain(
      'a request of session intruder-1-abcd, which has not claimed this worker',
    );
    // One shard of the run and seven forged ones: the other 23 are refused.
    expect(said.match(/holds 8 shards, its most/g)?.length).toBe(23);
    admin.disconnect();
    await stopWorkers(pool);
  }, 120_000);

  it('a request popped from an inbox by another client is sent again after its deadline', async () => {
    const { pool, out, run, admin, workers } = await attackedRun(10, {
      runFlags: ['--lease', '1'],
    });
    const stolen = await admin.blpopBuffer(keys.inbox(workers[0]!), 5);
    expect(stolen).not.toBeNull();
    await endsAtReference(run, out);
    expect(run.stdout()).toMatch(/· [1-9]\d* sent again/);
    admin.disconnect();
    await stopWorkers(pool);
  }, 90_000);

  it('alive keys that are not JSON or never expire are ignored; with only those, one line after --wait', async () => {
    const url = redis!.url(11);
    const admin = new Redis(url);
    const ghost = {
      id: 'ghost-1-abcd',
      version: PES_VERSION,
      protocol: PROTOCOL,
      host: 'g',
      pid: 1,
    };
    await admin.set(keys.alive('junk-1-abcd'), 'not json {');
    await admin.set(keys.alive(ghost.id), JSON.stringify(ghost));
    const nowhere = join(temporaryDirectory(), 'run');
    const alone = startRun([
      'meta-train',
      ...RUN,
      '--redis',
      url,
      '--workers',
      '1',
      '--wait',
      '2',
      '--out',
      nowhere,
    ]);
    expect(await alone.exited).toBe(2);
    expect(alone.stderr().trim().split('\n').at(-1)).toMatch(
      /^pes: 0 of 1 workers attached to \S+ after 2 s \(ignored: .*never expires.*\); start more/,
    );
    const pool = await startWorkers(url, 1);
    const { out, run } = await runOver(url, ['--workers', '1']);
    await endsAtReference(run, out);
    admin.disconnect();
    await stopWorkers(pool);
  }, 90_000);

  it('a coordinator paused past its lease while a second run takes its worker: one line, exit 2, and --resume finishes it', async () => {
    const url = redis!.url(12);
    const pool = await startWorkers(url, 1);
    const first = await runOver(url, ['--workers', '1', '--lease', '1']);
    first.run.child.kill('SIGSTOP');
    await sleep(2500);
    const second = await runOver(url, ['--workers', '1', '--lease', '1']);
    first.run.child.kill('SIGCONT');
    expect(await first.run.exited).toBe(2);
    expect(first.run.stderr().trim().split('\n').at(-1)).toMatch(
      /^pes: worker \S+ was claimed by session \S+ while this run's claim on it had lapsed .*; the last checkpoint stands$/,
    );
    await endsAtReference(second.run, second.out);
    const resumed = startRun([
      'meta-train',
      '--resume',
      first.out,
      '--redis',
      url,
      '--workers',
      '1',
    ]);
    await endsAtReference(resumed, first.out);
    await stopWorkers(pool);
  }, 120_000);

  /**
   * What a forger who can read and write Redis (but has no secret) would answer to every request
   * waiting in `worker`'s inbox: zero losses to an unroll, `null` to an operation without a
   * result. Signing does not hide a request, so the forger reads the bytes after the signature.
   * Returns how many answers it forged.
   */
  async function forgeAnswers(admin: Redis, session: string, worker: string): Promise<number> {
    let forged = 0;
    const SIGNED = 'pes-hmac1'.length + 32;
    for (const bytes of await admin.lrangeBuffer(keys.inbox(worker), 0, -1)) {
      const payload =
        bytes.subarray(0, 9).toString() === 'pes-hmac1' ? bytes.subarray(SIGNED) : bytes;
      const { shard, seq, request } = decode<Envelope>(payload);
      const value =
        request.op === 'unroll'
          ? { losses: new Float64Array(80), done: new Uint8Array(80) }
          : ['init', 'reset', 'gather', 'dispose', 'restore'].includes(request.op)
            ? null
            : undefined;
      if (value === undefined) continue; // a snapshot's bytes cannot be guessed
      const reply: Reply = { session, shard, seq, worker, ok: true, value, ms: 1 };
      await admin.rpush(keys.reply(session), encodeMessage(reply, 'reply'));
      forged++;
    }
    return forged;
  }

  for (const signed of [false, true]) {
    it(`forged replies to the requests of a paused worker, ${signed ? 'with' : 'without'} the secret`, async () => {
      const env = signed ? { ...process.env, PES_CLUSTER_SECRET: SECRET } : process.env;
      const { pool, out, run, admin, session, workers } = await attackedRun(signed ? 14 : 13, {
        workerFlags: ['--lease', '30'],
        runFlags: ['--lease', '1'],
        env,
      });
      // While the worker is paused the run moves on only on forged answers (the worker's own
      // answer to the request it held is worth one iteration at most). The paused worker took
      // that request from its inbox before it stopped; with a 1 s lease the coordinator sends it
      // again after about 2 s, and the forger reads it there, and every request after it. A
      // pause that waits on a snapshot (at a checkpoint) cannot be forged, so the worker runs for
      // a moment and is paused again. Without the secret the forgery must carry the run 3
      // iterations; with it, 6 s of forging must carry it nowhere. A signed pause that found
      // nothing to forge (it waited on a snapshot) is tried again, so that the refusal is seen.
      let carried = 0;
      let forged = 0;
      const done = () => (signed ? forged > 0 : carried >= 3);
      for (let tries = 0; !done() && tries < 5; tries++) {
        pool[0]!.child.kill('SIGSTOP');
        await sleep(100);
        const before = metricsLines(out);
        for (let round = 0; round < 60 && carried < 3; round++) {
          forged += await forgeAnswers(admin, session, workers[0]!);
          await sleep(100);
          const moved = metricsLines(out) - before - 1;
          if (signed) carried = Math.max(carried, moved);
          else carried = moved;
        }
        pool[0]!.child.kill('SIGCONT');
        await sleep(200);
      }
      expect(await run.exited, run.stderr()).toBe(0);
      if (signed) {
        expect(forged).toBeGreaterThan(0);
        expect(carried).toBeLessThan(1);
        expect(thetaOf(out)).toEqual(await reference());
        expect(run.stderr()).toMatch(/ignored a message in pes:reply:\S+: unsigned/);
      } else {
        // Without a secret, whoever can write to Redis can answer for a worker: the run ends
        // normally at another θ (docs/scaling.md says so, and what the secret adds).
        expect(carried).toBeGreaterThanOrEqual(3);
        expect(thetaOf(out)).not.toEqual(await reference());
      }
      admin.disconnect();
      await stopWorkers(pool);
    }, 120_000);
  }

  // The worker answers the copies from its record. (Carrying a copy out again would give the
  // same bits too: each shard operation makes state `id` from state `from` and its contents.)
  it('a worker paused past two deadlines (within its lease) gets its request again: θ unchanged', async () => {
    const url = redis!.url(10);
    const pool = await startWorkers(url, 1, ['--lease', '30']);
    const { out, run } = await runOver(url, ['--workers', '1', '--lease', '1']);
    pool[0]!.child.kill('SIGSTOP');
    // Past two deadlines of about 2 s: the request waits twice more in the inbox.
    await sleep(7000);
    pool[0]!.child.kill('SIGCONT');
    await endsAtReference(run, out);
    expect(run.stdout()).toMatch(/· [2-9]\d* sent again/);
    await stopWorkers(pool);
  }, 90_000);

  it('SIGTERM while the coordinator waits on a paused worker: a checkpoint once the wait ends, exit 130, and --resume finishes', async () => {
    const url = redis!.url(15);
    const pool = await startWorkers(url, 1, ['--lease', '10']);
    const { out, run } = await runOver(url, ['--workers', '1']);
    pool[0]!.child.kill('SIGSTOP');
    await sleep(300);
    run.child.kill('SIGTERM');
    await sleep(1500);
    pool[0]!.child.kill('SIGCONT');
    expect(await run.exited, run.stderr()).toBe(130);
    const resumed = startRun(['meta-train', '--resume', out, '--redis', url, '--workers', '1']);
    await endsAtReference(resumed, out);
    await stopWorkers(pool);
  }, 90_000);
});

describe('the flags of a cluster, each problem one line with exit 2 (no Redis needed)', () => {
  it('--redis without a URL and PES_REDIS_URL unset; --secret-file without --redis or unreadable; pes worker without a URL', async () => {
    const saved = process.env.PES_REDIS_URL;
    delete process.env.PES_REDIS_URL;
    try {
      const TINY = ['--task', 'quadratic', '--iterations', '2'];
      const cases: [string[], string][] = [
        [
          ['meta-train', ...TINY, '--redis', '--workers', '1'],
          'pes: --redis without a URL reads it from PES_REDIS_URL, which is not set',
        ],
        [
          ['meta-train', ...TINY, '--secret-file', '/nonexistent/secret'],
          'pes: --secret-file is for runs over Redis: add --redis URL',
        ],
        [
          [
            'meta-train',
            ...TINY,
            '--redis',
            'redis://127.0.0.1:1',
            '--workers',
            '1',
            '--secret-file',
            '/nonexistent/secret',
          ],
          'pes: cannot read --secret-file /nonexistent/secret (ENOENT)',
        ],
        [['worker'], 'pes: pes worker needs --redis URL, or the URL in PES_REDIS_URL'],
        [
          ['worker', '--redis', 'redis://127.0.0.1:1', '--lease', '0.0001'],
          'pes: --lease must be between 1 and 3600 seconds (got 0.0001)',
        ],
        [
          [
            'meta-train',
            ...TINY,
            '--redis',
            'redis://127.0.0.1:1',
            '--workers',
            '1',
            '--wait',
            '1e9',
          ],
          'pes: --wait must be between 1 and 86400 seconds (got 1000000000)',
        ],
      ];
      for (const [argv, line] of cases)
        expect(await pes(...argv)).toMatchObject({ status: 2, err: [line] });
    } finally {
      if (saved !== undefined) process.env.PES_REDIS_URL = saved;
    }
  });
});

describe.skipIf(!redis)('the password out of ps, and the secret on both sides', () => {
  it('PES_REDIS_URL: no URL on any command line; a secret on one side only is one line naming it', async () => {
    const admin = new Redis(redis!.url(8));
    await admin.call('ACL', 'SETUSER', 'pes-env', 'on', '>env-pw-26', '~*', '&*', '+@all');
    const url = `redis://pes-env:env-pw-26@${redis!.url(8).replace('redis://', '')}`;
    const env = { ...process.env, PES_REDIS_URL: url };
    const pool = [startRun(['worker', '--lease', '3'], env)];
    await until(() => pool[0]!.stdout().includes('joined'), 'a worker to join');
    const out = join(temporaryDirectory(), 'run');
    const run = startRun(['meta-train', ...RUN, '--redis', '--workers', '1', '--out', out], env);
    await until(() => metricsLines(out) >= 5 || run.child.exitCode !== null, 'the run to start');
    for (const p of [pool[0]!, run]) {
      const commandLine = readFileSync(`/proc/${p.child.pid}/cmdline`, 'utf8');
      expect(commandLine).not.toContain('env-pw-26');
    }
    await endsAtReference(run, out);
    expect(run.stdout() + run.stderr() + pool[0]!.stdout() + pool[0]!.stderr()).not.toContain(
      'env-pw-26',
    );
    // The same worker (no secret) and a run with one: never paired, and the line says why.
    const signed = startRun(
      ['meta-train', ...RUN, '--redis', '--workers', '1', '--wait', '2', '--out', join(out, 'x')],
      { ...env, PES_CLUSTER_SECRET: SECRET },
    );
    expect(await signed.exited).toBe(2);
    expect(signed.stderr().trim().split('\n').at(-1)).toMatch(
      /^pes: 0 of 1 workers attached .*\(ignored: \S+ has no cluster secret, this run has\)/,
    );
    await stopWorkers(pool);
    await admin.call('ACL', 'DELUSER', 'pes-env');
    admin.disconnect();
  }, 90_000);
});

describe.skipIf(!redis)('Redis restarted while a reply waits in it', () => {
  it('the coordinator paused 2.5 s, Redis killed with kill -9 and restarted: the run ends at the reference θ', async () => {
    if (spawnSync('redis-server', ['--version']).status !== 0) return;
    const port = await freePort();
    const serve = () =>
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
    let server = serve();
    const url = `redis://127.0.0.1:${port}/0`;
    await until(
      () =>
        spawnSync('redis-cli', ['-p', String(port), 'ping'])
          .stdout?.toString()
          .trim() === 'PONG',
      'redis-server to start',
    );
    try {
      const pool = await startWorkers(url, 1, ['--wait', '60']);
      const { out, run } = await runOver(url, ['--workers', '1', '--wait', '60', '--lease', '3']);
      run.child.kill('SIGSTOP');
      await sleep(2500);
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
      server = serve();
      run.child.kill('SIGCONT');
      await endsAtReference(run, out);
      await stopWorkers(pool);
    } finally {
      server.kill('SIGKILL');
    }
  }, 120_000);
});
