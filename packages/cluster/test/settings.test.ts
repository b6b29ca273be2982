import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSeconds, clusterSecret, redisUrlOf } from '../src/settings.js';

describe("a cluster's settings from the user", () => {
  it('--lease and --wait out of bounds are one line each', () => {
    expect(checkSeconds('lease', 3)).toBe(3);
    expect(() => checkSeconds('lease', 0.0001)).toThrow(
      '--lease must be between 1 and 3600 seconds (got 0.0001)',
    );
    expect(() => checkSeconds('lease', NaN)).toThrow(/--lease must be between/);
    expect(() => checkSeconds('wait', 100_000)).toThrow(
      '--wait must be between 1 and 86400 seconds (got 100000)',
    );
  });

  it('the secret from --secret-file, else PES_CLUSTER_SECRET; a short one is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pes-secret-'));
    const file = join(dir, 'secret');
    writeFileSync(file, '0123456789abcdef0123456789abcdef\n');
    expect(Buffer.from(clusterSecret(file, {})!).toString()).toBe(
      '0123456789abcdef0123456789abcdef',
    );
    expect(clusterSecret(undefined, {})).toBeUndefined();
    expect(
      Buffer.from(clusterSecret(undefined, { PES_CLUSTER_SECRET: 'x'.repeat(20) })!).toString(),
    ).toBe('x'.repeat(20));
    expect(() => clusterSecret(undefined, { PES_CLUSTER_SECRET: 'short' })).toThrow(
      /PES_CLUSTER_SECRET: the secret must be at least 16 bytes/,
    );
    expect(() => clusterSecret(join(dir, 'missing'), {})).toThrow(
      /^cannot read --secret-file .*missing \(ENOENT\)$/,
    );
  });

  it('the Redis URL from PES_REDIS_URL; a warning for no password beyond this machine', () => {
    const said: string[] = [];
    const say = (line: string) => said.push(line);
    expect(redisUrlOf(undefined, say, {})).toBeUndefined();
    expect(redisUrlOf(undefined, say, { PES_REDIS_URL: 'redis://:pw@10.0.0.2:6379/1' })).toBe(
      'redis://:pw@10.0.0.2:6379/1',
    );
    expect(redisUrlOf('redis://127.0.0.1:6379', say, { PES_REDIS_URL: 'redis://x:1' })).toBe(
      'redis://127.0.0.1:6379',
    );
    expect(said).toEqual([]);
    redisUrlOf('redis://10.0.0.2:6379', say, {});
    expect(said).toEqual([expect.stringMatching(/^pes: warning: the Redis URL has no password/)]);
    expect(() => redisUrlOf(undefined, say, { PES_REDIS_URL: 'http://x' })).toThrow(
      /is not a Redis URL/,
    );
  });
});
