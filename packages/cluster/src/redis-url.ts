import { ClusterError } from './errors.js';

/**
 * A Redis URL as it may be printed: scheme, host, port and database, never the user name or
 * password.
 */
export function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'the Redis URL';
  }
}

/** Checks a --redis value: a redis:// or rediss:// URL (one line naming the problem otherwise). */
export function parseRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClusterError(`--redis: not a URL (expected redis://[:PASSWORD@]HOST:PORT[/DB])`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new ClusterError(`--redis: ${u.protocol}// is not a Redis URL (redis:// or rediss://)`);
  return url;
}
