import { readFileSync } from 'node:fs';
import { ClusterError } from './errors.js';
import { parseRedisUrl } from './redis-url.js';

/**
 * The settings of a coordinator or worker that come from the user, checked: bounds on its
 * seconds, the cluster's secret, and the Redis URL from the environment rather than the command
 * line (where `ps` shows it). Each problem is one line (a `ClusterError`).
 */

/** --lease: short enough to notice a dead worker, long enough that a heartbeat gets through. */
export const LEASE_BOUNDS = { min: 1, max: 3600 };
/** --wait: how long to wait for Redis, for workers, for a lost shard's new worker. */
export const WAIT_BOUNDS = { min: 1, max: 86_400 };

/** Checks `--flag`'s seconds against its bounds. */
export function checkSeconds(flag: 'lease' | 'wait', value: number): number {
  const { min, max } = flag === 'lease' ? LEASE_BOUNDS : WAIT_BOUNDS;
  if (!(Number.isFinite(value) && value >= min && value <= max))
    throw new ClusterError(`--${flag} must be between ${min} and ${max} seconds (got ${value})`);
  return value;
}

/** A secret shorter than this is refused: it would be guessed. */
export const MIN_SECRET_BYTES = 16;

/**
 * The cluster's shared secret: the contents of `--secret-file` (surrounding white space
 * trimmed), else `PES_CLUSTER_SECRET`, else none. Given to the coordinator and to every worker.
 */
export function clusterSecret(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Uint8Array | undefined {
  let text: string | undefined;
  let from: string;
  if (file !== undefined) {
    from = `--secret-file ${file}`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ClusterError(
        `cannot read ${from} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
  } else {
    from = 'PES_CLUSTER_SECRET';
    text = env.PES_CLUSTER_SECRET;
    if (text === undefined || text === '') return undefined;
  }
  const secret = Buffer.from(text.trim(), 'utf8');
  if (secret.length < MIN_SECRET_BYTES)
    throw new ClusterError(
      `${from}: the secret must be at least ${MIN_SECRET_BYTES} bytes (make one with: openssl rand -hex 32)`,
    );
  return new Uint8Array(secret);
}

/**
 * The Redis URL: `--redis` when given, else `PES_REDIS_URL` (which keeps the password out of
 * `ps`), else undefined. `say` warns when the URL has no password and its host is not this
 * machine: anyone who reaches that Redis can then read and write the run's messages.
 */
export function redisUrlOf(
  flag: string | undefined,
  say: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const given = flag ?? (env.PES_REDIS_URL || undefined);
  if (given === undefined) return undefined;
  const url = parseRedisUrl(given);
  const u = new URL(url);
  const loopback =
    ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) || /^127\./.test(u.hostname);
  if (!u.password && !loopback)
    say(
      `pes: warning: the Redis URL has no password, and ${u.hostname} is not this machine: anyone who reaches it can read and change this run's messages (use a password, and PES_CLUSTER_SECRET)`,
    );
  return url;
}
