import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * The Redis server the cluster tests use: `PES_TEST_REDIS_URL` when set (`.ci/run` starts one),
 * else a `redis-server` of this machine started on a free loopback port for the test file, else
 * none (the tests say so and are skipped).
 */
export interface TestRedis {
  /** redis://127.0.0.1:PORT/DB: one database per test file keeps their workers apart. */
  url(db: number): string;
  stop(): Promise<void>;
}

export async function testRedis(): Promise<TestRedis | undefined> {
  const given = process.env.PES_TEST_REDIS_URL;
  if (given) {
    const base = given.replace(/\/\d*$/, '');
    return { url: (db) => `${base}/${db}`, stop: async () => undefined };
  }
  return startRedisServer();
}

/** A redis-server of this machine of the test's own, on a free loopback port (undefined: none). */
export async function startRedisServer(): Promise<
  (TestRedis & { kill: () => Promise<void> }) | undefined
> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (
      spawnSync('redis-cli', ['-p', String(port), 'ping'])
        .stdout?.toString()
        .trim() === 'PONG'
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: (db) => `redis://127.0.0.1:${port}/${db}`,
    stop: async () => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    },
    kill: async () => {
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
    },
  };
}

/** A port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A Redis server speaking TLS only, with a certificate made for 127.0.0.1 by openssl: for the
 * rediss:// test. Clients trust it through NODE_EXTRA_CA_CERTS=`ca`. Undefined where openssl or
 * a TLS build of redis-server is missing.
 */
export async function tlsRedis(
  dir: string,
): Promise<{ url: (db: number) => string; ca: string; stop: () => Promise<void> } | undefined> {
  if (spawnSync('openssl', ['version']).status !== 0) return undefined;
  const key = `${dir}/redis.key`;
  const cert = `${dir}/redis.crt`;
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ]); // prettier-ignore
  if (made.status !== 0) return undefined;
  const port = await freePort();
  const server = spawn(
    'redis-server',
    [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', cert,
      '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no', '--save', '',
      '--appendonly', 'no',
    ], // prettier-ignore
    { stdio: 'ignore' },
  );
  const up = await new Promise<boolean>((resolve) => {
    let tries = 0;
    const probe = () => {
      const r = spawnSync('redis-cli', ['-p', String(port), '--tls', '--cacert', cert, 'ping']);
      if (r.stdout?.toString().trim() === 'PONG') return resolve(true);
      if (++tries > 100 || server.exitCode !== null) return resolve(false);
      setTimeout(probe, 50);
    };
    probe();
  });
  if (!up) {
    server.kill();
    return undefined;
  }
  return {
    url: (db) => `rediss://127.0.0.1:${port}/${db}`,
    ca: cert,
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    },
  };
}
