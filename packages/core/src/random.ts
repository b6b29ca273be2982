import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { log, sincos } from './elementary.js';

/**
 * A splittable random key, JAX style: the 128-bit state of a xoroshiro128+ generator
 * (pure-rand). A key is a value: using it twice gives the same numbers, so every function
 * that draws randomness takes one and callers split keys instead of sharing a generator.
 * Plain numbers so that keys travel through JSON checkpoints unchanged.
 */
export type Key = readonly [number, number, number, number];

// Outputs discarded after seeding: xoroshiro128+'s first outputs from a sparse seed state
// are poorly mixed.
const SEED_WARMUP = 16;

/** The root key of a run, from an integer seed. */
export function makeKey(seed: number): Key {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const rng = xoroshiro128plus(seed | 0);
  for (let i = 0; i < SEED_WARMUP; i++) rng.next();
  return drawKey(rng);
}

function drawKey(rng: RandomGenerator): Key {
  const a = rng.next() | 0;
  const b = rng.next() | 0;
  const c = rng.next() | 0;
  // An all-zero state is a fixed point of xoroshiro: never hand one out.
  const d = a === 0 && b === 0 && c === 0 ? 1 : rng.next() | 0;
  return [a, b, c, d];
}

function isKey(value: unknown): value is Key {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((x) => Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff)
  );
}

/** Checks that a value read from a file is a key; throws a TypeError naming the problem. */
export function assertKey(value: unknown, what = 'key'): Key {
  if (!isKey(value)) throw new TypeError(`${what} is not a random key (four 32-bit integers)`);
  return value;
}

function generator(key: Key, stream: number): RandomGenerator {
  // Mixing a stream tag into the state keeps split() and the samplers from ever reading
  // the same numbers out of one key.
  const rng = xoroshiro128plusFromState([key[0], key[1] ^ stream, key[2], key[3]]);
  rng.next();
  rng.next();
  return rng;
}

const STREAM_SPLIT = 0x5bd1e995;
const STREAM_FOLD = 0x27d4eb2f;
const STREAM_NORMAL = 0x165667b1;
const STREAM_UNIFORM = 0x61c88647;
const STREAM_INT = 0x7f4a7c15;

/** `count` new keys, independent of each other and of `key`. */
export function split(key: Key, count = 2): Key[] {
  const rng = generator(key, STREAM_SPLIT);
  const keys: Key[] = [];
  for (let i = 0; i < count; i++) keys.push(drawKey(rng));
  return keys;
}

/** A key derived from `key` and an integer (an iteration, a particle index). */
export function foldIn(key: Key, data: number): Key {
  if (!Number.isInteger(data)) throw new RangeError(`foldIn needs an integer, got ${data}`);
  const rng = generator(key, STREAM_FOLD);
  // Walk past `data` mixing steps cheaply: fold the integer into the state, then draw.
  const s = rng.getState();
  const mixed = xoroshiro128plusFromState([
    (s[0] ?? 0) ^ (data | 0),
    (s[1] ?? 0) ^ Math.floor(data / 2 ** 32),
    s[2] ?? 0,
    s[3] ?? 1,
  ]);
  for (let i = 0; i < 4; i++) mixed.next();
  return drawKey(mixed);
}

/** `count` draws from U[0, 1). */
export function uniform(key: Key, count: number): Float64Array {
  const rng = generator(key, STREAM_UNIFORM);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = uniformFloat64(rng);
  return out;
}

/**
 * `count` standard normal draws (Box–Muller on pure-rand's 53-bit uniforms), through the
 * engine-independent log and sincos: the same bits in every JavaScript engine.
 */
export function normal(key: Key, count: number): Float64Array {
  const rng = generator(key, STREAM_NORMAL);
  const out = new Float64Array(count);
  const angle = new Float64Array(2);
  for (let i = 0; i < count; i += 2) {
    // 1 − u keeps the logarithm finite: u is in [0, 1).
    const r = Math.sqrt(-2 * log(1 - uniformFloat64(rng)));
    sincos(2 * Math.PI * uniformFloat64(rng), angle);
    out[i] = r * angle[1]!;
    if (i + 1 < count) out[i + 1] = r * angle[0]!;
  }
  return out;
}

/** `count` integers drawn uniformly from [0, high). */
export function randomIntegers(key: Key, count: number, high: number): Int32Array {
  if (!Number.isInteger(high) || high < 1) {
    throw new RangeError(`randomIntegers needs an integer bound ≥ 1, got ${high}`);
  }
  const rng = generator(key, STREAM_INT);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = uniformInt(rng, 0, high - 1);
  return out;
}
