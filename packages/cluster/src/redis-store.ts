import type { Redis } from 'ioredis';
import { CLAIM_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT } from './protocol.js';
import type { KeyValueStore } from './store.js';

/** The `KeyValueStore` of a cluster: Redis, through one ioredis connection. */
export class RedisStore implements KeyValueStore {
  constructor(private readonly redis: Redis) {}

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', ttlMs);
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.length === 0 ? [] : this.redis.mget([...keys]);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) !== 0;
  }

  async ttls(keys: readonly string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.pttl(key);
    const answers = (await pipeline.exec()) ?? [];
    return answers.map(([error, ttl]) => (error ? -2 : Number(ttl)));
  }

  async scan(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  // Plain EVAL: the scripts are tiny, and ioredis's cached-script commands leave a rejection
  // unhandled when the connection closes.

  async setIfAbsent(key: string, value: string, ttlMs: number, requires: string): Promise<boolean> {
    return (await this.redis.eval(CLAIM_SCRIPT, 2, requires, key, value, ttlMs)) === 1;
  }

  async expireIfOwned(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW_SCRIPT, 1, key, value, ttlMs)) === 1;
  }

  async del(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async delIfOwned(key: string, value: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, key, value);
  }
}
