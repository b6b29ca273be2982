/**
 * The little a worker roster needs of a key-value store: keys with a time to live, a claim that
 * is atomic, and a scan. `RedisStore` (redis-store.ts) is the one a cluster runs on; `MemoryStore`
 * keeps the keys in this process, for tests and for a roster without a server.
 */
export interface KeyValueStore {
  /** Sets `key` to `value`, living `ttlMs` milliseconds. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** The values of `keys`, in order (null where a key is missing). */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  exists(key: string): Promise<boolean>;
  /** Milliseconds `keys` have left to live, in order: -1 for a key without a time to live, -2 for a missing one. */
  ttls(keys: readonly string[]): Promise<number[]>;
  /** Every key matching `pattern`, a glob whose only wildcard is `*`. */
  scan(pattern: string): Promise<string[]>;
  /**
   * In one atomic step: sets `key` to `value` for `ttlMs` only if `key` is missing and
   * `requires` exists. Whether it was set.
   */
  setIfAbsent(key: string, value: string, ttlMs: number, requires: string): Promise<boolean>;
  /** In one atomic step: gives `key` `ttlMs` more to live, only while it holds `value`. */
  expireIfOwned(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** In one atomic step: deletes `key` only while it holds `value`. */
  delIfOwned(key: string, value: string): Promise<void>;
}

/**
 * A `KeyValueStore` in this process's memory. Keys expire on `now()`'s clock (milliseconds;
 * `Date.now` unless given), so a test can let a lease run out without waiting for it.
 */
export class MemoryStore implements KeyValueStore {
  private readonly entries = new Map<string, { value: string; expires: number }>();

  /** Sets `key` for ever (no time to live): as a hostile or broken client may. */
  setForever(key: string, value: string): void {
    this.entries.set(key, { value, expires: Infinity });
  }

  async ttls(keys: readonly string[]): Promise<number[]> {
    return keys.map((key) => {
      const entry = this.live(key);
      if (!entry) return -2;
      return entry.expires === Infinity ? -1 : entry.expires - this.now();
    });
  }

  constructor(private readonly now: () => number = Date.now) {}

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expires: this.now() + ttlMs });
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.live(key)?.value ?? null);
  }

  async exists(key: string): Promise<boolean> {
    return this.live(key) !== undefined;
  }

  async scan(pattern: string): Promise<string[]> {
    const glob = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return [...this.entries.keys()].filter((key) => this.live(key) && glob.test(key));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number, requires: string): Promise<boolean> {
    if (!this.live(requires) || this.live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async expireIfOwned(key: string, value: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry?.value !== value) return false;
    entry.expires = this.now() + ttlMs;
    return true;
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async delIfOwned(key: string, value: string): Promise<void> {
    if (this.live(key)?.value === value) this.entries.delete(key);
  }

  /** The entry of `key` if it has not expired (an expired one is dropped). */
  private live(key: string): { value: string; expires: number } | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expires <= this.now()) this.entries.delete(key);
    return entry && entry.expires > this.now() ? entry : undefined;
  }
}
