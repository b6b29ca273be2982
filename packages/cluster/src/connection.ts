import { Redis, type RedisOptions } from 'ioredis';
import { ClusterError } from './errors.js';
import { describeRedis } from './redis-url.js';

/**
 * A connection to Redis, made before anything else is done: it gives up after `waitSeconds`
 * (saying once that it waits), and its failures are one line that names the server and never
 * the password. A connection lost later is retried for `waitSeconds` too (saying so once), then
 * closed: the commands waiting on it fail, and the caller says what was lost.
 */
export async function connectRedis(
  url: string,
  options: { waitSeconds: number; say?: (line: string) => void; name: string },
): Promise<Redis> {
  const where = describeRedis(url);
  let connected = false;
  let lastError = '';
  const started = Date.now();
  let lostSince: number | undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: options.name,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => {
      const now = Date.now();
      if (!connected) {
        if (now - started > options.waitSeconds * 1000) return null;
        if (times === 2) options.say?.(`pes: waiting for Redis at ${where}…`);
      } else {
        if (lostSince === undefined) {
          lostSince = now;
          options.say?.(
            `pes: lost the connection to Redis at ${where}; retrying for ${options.waitSeconds} s…`,
          );
        }
        if (now - lostSince > options.waitSeconds * 1000) return null;
      }
      return Math.min(100 * times, 1000);
    },
  } satisfies RedisOptions);
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  redis.on('ready', () => {
    lostSince = undefined;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const message = error instanceof Error ? error.message : String(error);
    throw new ClusterError(`cannot use Redis at ${where}: ${redisReason(lastError || message)}`);
  }
  connected = true;
  return redis;
}

/** Redis's and the socket's messages in a user's words (a password never appears in them). */
export function redisReason(message: string): string {
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message))
    return 'the server refused the user name or password';
  if (/ECONNREFUSED/.test(message)) return 'connection refused (is redis-server running?)';
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return 'unknown host';
  if (/retries|Connection is closed/i.test(message))
    return `no answer (${message.replace(/\s+/g, ' ').slice(0, 120)})`;
  return message.replace(/\s+/g, ' ').slice(0, 200);
}
