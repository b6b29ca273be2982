import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldIn, makeKey, normal, randomIntegers, split, uniform } from '../src/index.js';

// 200k draws: the sample mean has SE 1/√200000 ≈ 0.0022 and the variance SE ≈ 0.0032;
// 5 SE bounds keep the test from failing by chance while catching any real distortion.
const DRAWS = 200_000;

describe('random keys', () => {
  it('the same key gives the same numbers; split keys give different ones', () => {
    const key = makeKey(42);
    expect(Array.from(normal(key, 5))).toEqual(Array.from(normal(key, 5)));
    const [a, b] = split(key);
    expect(Array.from(normal(a!, 5))).not.toEqual(Array.from(normal(b!, 5)));
    expect(Array.from(normal(a!, 5))).not.toEqual(Array.from(normal(key, 5)));
  });

  it('foldIn derives distinct keys for distinct integers, reproducibly', () => {
    const key = makeKey(7);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(foldIn(key, i).join(','));
    expect(seen.size).toBe(1000);
    expect(foldIn(key, 3)).toEqual(foldIn(key, 3));
  });

  it('keys are plain integers that survive JSON', () => {
    const key = makeKey(1);
    expect(JSON.parse(JSON.stringify(key))).toEqual(key);
  });

  it('normal draws have mean 0 and variance 1', () => {
    const z = normal(makeKey(3), DRAWS);
    let mean = 0;
    for (const v of z) mean += v / DRAWS;
    let variance = 0;
    for (const v of z) variance += (v - mean) ** 2 / DRAWS;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(DRAWS));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / DRAWS));
  });

  it('uniform draws lie in [0, 1) with mean ½; integers lie in range and hit every value', () => {
    const u = uniform(makeKey(4), DRAWS);
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = u.reduce((s, v) => s + v, 0) / DRAWS;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / DRAWS));
    const ints = randomIntegers(makeKey(5), 10_000, 7);
    expect(new Set(ints).size).toBe(7);
    expect(ints.every((v) => v >= 0 && v < 7)).toBe(true);
  });

  it('rejects a non-integer seed with a clear message', () => {
    expect(() => makeKey(1.5)).toThrow(/seed must be an integer/);
  });
});

describe('no Math.random in any library', () => {
  const root = join(import.meta.dirname, '../../..');
  const sources = ['packages', 'apps']
    .flatMap((dir) => readdirSync(join(root, dir)).map((p) => join(root, dir, p, 'src')))
    .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory());

  it.each(sources)('%s draws randomness only from keys', (dir) => {
    const offenders = (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /Math\.random\s*\(/.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
