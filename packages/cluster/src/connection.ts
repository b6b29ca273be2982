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

/**
 * A coordinator's two connections to Redis (one for commands, one that blocks on its answers),
 * and what their loss means to the user: once Redis is gone for good, every request fails with
 * one `ClusterError` that says so.
 */
export class CoordinatorLink {
  /** Set once Redis is gone for good: every later request fails with it at once. */
  private lostRedis?: ClusterError;

  private constructor(
    readonly redis: Redis,
    readonly blocking: Redis,
    private readonly where: string,
    private readonly wait: number,
  ) {}

  static async open(
    url: string,
    options: { waitSeconds: number; say?: (line: string) => void; name: string },
  ): Promise<CoordinatorLink> {
    const redis = await connectRedis(url, options);
    const blocking = redis.duplicate();
    // Its errors are the connection's, reported where a command fails; ioredis prints them otherwise.
    blocking.on('error', () => undefined);
    return new CoordinatorLink(redis, blocking, describeRedis(url), options.waitSeconds);
  }

  /** The error of Redis lost for good (the same one each time). */
  lost(): ClusterError {
    return (this.lostRedis ??= new ClusterError(
      `lost the connection to Redis at ${this.where} for more than ${this.wait} s; the last checkpoint stands`,
    ));
  }

  /**
   * `work`, its failure as the user should read it: ioredis's "Connection is closed." (its
   * commands fail with it while the connection closes for good) is Redis lost.
   */
  async failures<T>(work: Promise<T>): Promise<T> {
    return work.catch((error: unknown) => {
      if (this.lostRedis) throw this.lostRedis;
      const closed = error instanceof Error && /Connection is closed/.test(error.message);
      throw closed || this.redis.status === 'end' ? this.lost() : error;
    });
  }

  disconnect(): void {
    this.blocking.disconnect();
    this.redis.disconnect();
  }
}
