import stdlibExp from '@stdlib/math-base-special-exp';
import stdlibLn from '@stdlib/math-base-special-ln';
import stdlibTanh from '@stdlib/math-base-special-tanh';
import decimalJs, { type Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  cos,
  exp,
  expm1,
  log,
  log1p,
  makeKey,
  pow,
  sigmoid,
  sin,
  sincos,
  tanh,
  uniform,
} from '../src/index.js';

/*
 * The engine-independent elementary functions against references computed with 60 significant
 * digits (decimal.js), and at the edges of IEEE 754 doubles.
 *
 * The bounds are the ones elementary.ts states: msun's functions below 1 ulp, Cephes' tanh below
 * 2, pow's multiplied cases (y = 3, 4) below 2 and 3. A reference of 60 digits is exact to far
 * below 1e-40 ulp at these magnitudes, so an error over a bound is the function's, not the
 * reference's. SAMPLES inputs per range (drawn from fixed keys, so every run sees the same
 * numbers) cover each range's interior densely enough to meet any systematic error of more than
 * a few parts in 10⁴ of the inputs.
 */
const MAX_ULPS = 1;
const TANH_MAX_ULPS = 2;
const SAMPLES = 1500;
// decimal.js's types describe its CommonJS build; its ES module exports the same class as default.
const HighPrecision = (decimalJs as unknown as typeof Decimal).clone({
  precision: 60,
  toExpNeg: -400,
  toExpPos: 400,
});

/** The distance between `y` and its next double away from zero: the unit in the last place. */
function ulp(y: number): Decimal {
  const a = Math.abs(y);
  if (a === 0 || a < 2.2250738585072014e-308) return new HighPrecision(2).pow(-1074);
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, a);
  const exponent = ((bits.getUint16(0) >> 4) & 0x7ff) - 1023;
  return new HighPrecision(2).pow(exponent - 52);
}

/** |got − exact| in ulps of the double nearest the exact value. */
function ulpError(got: number, exact: Decimal): number {
  const nearest = exact.toNumber();
  return D(got).minus(exact).abs().div(ulp(nearest)).toNumber();
}

/** `count` inputs uniform in [low, high], from a fixed key per range. */
function inputs(low: number, high: number, seed: number, count = SAMPLES): number[] {
  return Array.from(uniform(makeKey(seed), count), (u) => low + u * (high - low));
}

/** Inputs spread log-uniformly over [low, high] (both > 0), for functions of wide range. */
function logInputs(low: number, high: number, seed: number): number[] {
  const [a, b] = [Math.log2(low), Math.log2(high)];
  return inputs(a, b, seed).map((e) => 2 ** e);
}

type Unary = (x: number) => number;
interface Case {
  readonly name: string;
  readonly fn: Unary;
  readonly exact: (x: Decimal) => Decimal;
  /** Ranges of x that exercise the function's branches: tiny, central, large. */
  readonly xs: readonly number[];
  /** The stated bound, in ulps. */
  readonly bound: number;
}

/**
 * The exact value of a double, to the reference's precision. (`new Decimal(x)` would read the
 * shortest decimal that prints as x, off by up to half an ulp: ~250 ulps of e^x at x = 587.)
 */
function D(x: number): Decimal {
  if (!Number.isFinite(x) || x === 0) return new HighPrecision(x);
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const biased = (bits.getUint16(0) >> 4) & 0x7ff;
  const fraction = bits.getBigUint64(0) & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | 0x10000000000000n;
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  const magnitude = new HighPrecision(mantissa.toString()).times(
    new HighPrecision(2).pow(exponent),
  );
  return x < 0 ? magnitude.neg() : magnitude;
}
const CASES: Case[] = [
  {
    name: 'exp',
    bound: MAX_ULPS,
    fn: exp,
    exact: (x) => x.exp(),
    xs: [
      ...inputs(-1, 1, 1),
      ...inputs(-745, 709.7, 2),
      ...inputs(-1e-8, 1e-8, 3),
      ...inputs(-745.1, -708, 4), // subnormal results
    ],
  },
  {
    name: 'log',
    bound: MAX_ULPS,
    fn: log,
    exact: (x) => x.ln(),
    xs: [...logInputs(1e-300, 1e300, 5), ...inputs(0.5, 2, 6), ...logInputs(5e-324, 2e-308, 7)],
  },
  {
    name: 'log1p',
    bound: MAX_ULPS,
    fn: log1p,
    exact: (x) => x.plus(1).ln(),
    xs: [...inputs(-0.999, 10, 8), ...inputs(-1e-6, 1e-6, 9), ...logInputs(10, 1e300, 10)],
  },
  {
    name: 'expm1',
    bound: MAX_ULPS,
    fn: expm1,
    exact: (x) => x.exp().minus(1),
    xs: [...inputs(-40, 709, 11), ...inputs(-1e-6, 1e-6, 12), ...inputs(-0.5, 0.5, 13)],
  },
  {
    name: 'sin',
    bound: MAX_ULPS,
    fn: sin,
    exact: (x) => x.sin(),
    xs: [...inputs(-7, 7, 14), ...inputs(-1e6, 1e6, 15), ...inputs(-1e-5, 1e-5, 16)],
  },
  {
    name: 'cos',
    bound: MAX_ULPS,
    fn: cos,
    exact: (x) => x.cos(),
    xs: [...inputs(-7, 7, 17), ...inputs(-1e6, 1e6, 18), ...inputs(-1e-5, 1e-5, 19)],
  },
  {
    name: 'tanh',
    bound: TANH_MAX_ULPS,
    fn: tanh,
    exact: (x) => x.tanh(),
    xs: [...inputs(-3, 3, 20), ...inputs(-25, 25, 21), ...inputs(-1e-6, 1e-6, 22)],
  },
];

describe('engine-independent elementary functions', () => {
  it.each(CASES)(
    '$name is within $bound ulp of a 60-digit reference',
    ({ fn, exact, xs, bound }) => {
      let worst = 0;
      let worstAt = NaN;
      for (const x of xs) {
        const error = ulpError(fn(x), exact(D(x)));
        if (error > worst) [worst, worstAt] = [error, x];
      }
      expect(worst, `worst at x = ${worstAt}`).toBeLessThanOrEqual(bound);
    },
  );

  it('pow is within 1 ulp of a 60-digit reference, 2 and 3 where it multiplies (y = 3, 4)', () => {
    const bases = inputs(1e-3, 50, 23);
    const exponents = inputs(-30, 30, 24);
    let worst = 0;
    bases.forEach((x, i) => {
      const y = exponents[i]!;
      const exact = D(x).pow(D(y));
      if (exact.abs().gt(1e300) || exact.abs().lt(1e-300)) return;
      worst = Math.max(worst, ulpError(pow(x, y), exact));
    });
    // The schedule's (1 + t/T)^p and the toy problem's (x0² + 5)^1.5.
    for (const t of [1, 17, 2500, 4999])
      for (const p of [0.5, 1.5, 30, 0.001, 7.25])
        worst = Math.max(worst, ulpError(pow(1 + t / 5000, p), D(1 + t / 5000).pow(D(p))));
    for (const x of inputs(0, 3, 25)) {
      const base = x * x + 5;
      worst = Math.max(worst, ulpError(pow(base, 1.5), D(base).pow(D(1.5))));
    }
    // Integer exponents, negative bases included; 2 is a single rounded product.
    for (const x of inputs(-10, 10, 26))
      for (const y of [2, 5, 7, -2, -3]) worst = Math.max(worst, ulpError(pow(x, y), D(x).pow(y)));
    expect(worst).toBeLessThanOrEqual(MAX_ULPS);
    let cubes = 0;
    let fourths = 0;
    for (const x of inputs(-10, 10, 27)) {
      cubes = Math.max(cubes, ulpError(pow(x, 3), D(x).pow(3)));
      fourths = Math.max(fourths, ulpError(pow(x, 4), D(x).pow(4)));
    }
    expect(cubes).toBeLessThanOrEqual(2);
    expect(fourths).toBeLessThanOrEqual(3);
  });

  /**
   * exp, log and tanh are msun's and Cephes' algorithms as stdlib-js ports them, with exp's
   * final scaling and log's normalisation done by one multiplication by a power of two
   * (elementary.ts): the bits must be stdlib's. A
   * million inputs a function over every branch (near zero, the polynomial's range, subnormal
   * results, saturation), plus the edges.
   */
  it('exp, log and tanh give stdlib-js’s bits, on 10⁶ inputs each', () => {
    const ranges: [number, number, number][] = [
      [-746, 710, 400_000],
      [-1, 1, 200_000],
      [-1e-8, 1e-8, 100_000],
      [-745.2, -707, 200_000],
      [700, 709.8, 100_000],
    ];
    const differ = (f: Unary, g: Unary, xs: Iterable<number>) => {
      const found: number[] = [];
      for (const x of xs) if (!Object.is(f(x), g(x))) found.push(x);
      return found;
    };
    const edges = [
      0,
      -0,
      1e-300,
      -1e-300,
      5e-324,
      Infinity,
      -Infinity,
      NaN,
      709.782712893384,
      709.7827128933841,
      -745.1332191019411,
      -745.1332191019412,
      -708.3964185322641,
      0.625,
      -0.625,
      0.6249999999999999,
      44.014845965556525,
      44.01484596555653,
      1 / (1 << 28),
    ];
    let seed = 100;
    for (const [low, high, count] of ranges) {
      const xs = inputs(low, high, seed++, count);
      expect(differ(exp, stdlibExp, xs), `exp on [${low}, ${high}]`).toEqual([]);
    }
    for (const [low, high, count] of [
      [-25, 25, 500_000],
      [-0.7, 0.7, 300_000],
      [-1e-6, 1e-6, 200_000],
    ] as const) {
      const xs = inputs(low, high, seed++, count);
      expect(differ(tanh, stdlibTanh, xs), `tanh on [${low}, ${high}]`).toEqual([]);
    }
    for (const [low, high, count] of [
      [0, 1, 400_000],
      [0.7, 1.45, 200_000],
      [1 - 1e-5, 1 + 1e-5, 100_000],
      [-1074, 1023, 300_000],
    ] as const) {
      // The last range is of exponents: log over every binade, subnormals included.
      const xs = inputs(low, high, seed++, count).map((x) => (low === -1074 ? 2 ** x : x));
      expect(differ(log, stdlibLn, xs), `log on [${low}, ${high}]`).toEqual([]);
    }
    expect(differ(log, stdlibLn, [...edges, -1, -0, 1, 2, 0.5, 1.0000000000000002])).toEqual([]);
    expect(differ(exp, stdlibExp, edges)).toEqual([]);
    expect(differ(tanh, stdlibTanh, edges)).toEqual([]);
  });

  it('sincos gives the bits of sin and cos, ±0 included', () => {
    const out = new Float64Array(2);
    const xs = [
      ...inputs(0, 2 * Math.PI, 40, 300_000),
      ...inputs(-1e6, 1e6, 41, 100_000),
      ...inputs(-1e-8, 1e-8, 42, 10_000),
      0,
      -0,
      5e-324,
      Math.PI / 4,
      Infinity,
      NaN,
    ];
    const differing = xs.filter((x) => {
      sincos(x, out);
      return !Object.is(out[0], sin(x)) || !Object.is(out[1], cos(x));
    });
    expect(differing).toEqual([]);
  });

  it('gives the special values of IEEE 754 and of JavaScript at ±0, ±∞ and NaN', () => {
    const same = (got: number, want: number) =>
      expect(Object.is(got, want), `${got} vs ${want}`).toBe(true);
    for (const f of [exp, log, log1p, expm1, sin, cos, tanh]) same(f(NaN), NaN);
    same(exp(0), 1);
    same(exp(-0), 1);
    same(exp(Infinity), Infinity);
    same(exp(-Infinity), 0);
    same(log(0), -Infinity);
    same(log(-0), -Infinity);
    same(log(-1), NaN);
    same(log(Infinity), Infinity);
    same(log(1), 0);
    same(log1p(-0), -0);
    same(log1p(-1), -Infinity);
    same(log1p(-2), NaN);
    same(expm1(-0), -0);
    same(expm1(-Infinity), -1);
    same(expm1(Infinity), Infinity);
    same(sin(-0), -0);
    same(sin(Infinity), NaN);
    same(cos(-0), 1);
    same(cos(-Infinity), NaN);
    same(tanh(-0), -0);
    same(tanh(Infinity), 1);
    same(tanh(-Infinity), -1);
    // Subnormal arguments: these functions are x there (to within their 1 ulp).
    for (const f of [log1p, expm1, sin, tanh]) {
      same(f(5e-324), 5e-324);
      same(f(-1e-310), -1e-310);
    }
    // pow follows JavaScript's `**` (ECMA-262 Number::exponentiate), not C's.
    for (const [x, y] of [
      [NaN, 0],
      [NaN, -0],
      [1, Infinity],
      [-1, -Infinity],
      [1, NaN],
      [2, NaN],
      [-0, -1],
      [-0, 3],
      [-0, -2],
      [0, -1],
      [-Infinity, 3],
      [-Infinity, -3],
      [-Infinity, 2],
      [0.5, Infinity],
      [2, -Infinity],
      [-8, 1 / 3],
      [-0, 0.5],
      [-Infinity, 0.5],
      [-0, -0.5],
      [-Infinity, -0.5],
      [2, 1024],
      [2, -1074],
      [2, -1075],
    ] as const)
      same(pow(x, y), Math.pow(x, y));
  });

  it('overflows and underflows where exp does in IEEE 754 doubles', () => {
    // e^x passes the largest double above x = 709.782712893383996843…
    expect(exp(709.782712893384)).toBe(1.7976931348622732e308);
    expect(exp(709.7827128933841)).toBe(Infinity);
    expect(expm1(709.7827128933841)).toBe(Infinity);
    expect(pow(2, 1023.9999999999999)).toBeLessThan(Infinity);
    // e^x falls below half the smallest subnormal, 2^−1075, at x = −745.1332191019412076…,
    // where the correctly rounded result turns from 2^−1074 to 0; just above it msun returns 0,
    // within its 1 ulp of the subnormal spacing.
    for (const x of [-745.1332191019411, -745.13, -745, -744.6])
      expect(ulpError(exp(x), D(x).exp())).toBeLessThanOrEqual(MAX_ULPS);
    expect(exp(-745.1332191019413)).toBe(0);
    expect(exp(-744)).toBeGreaterThan(0);
    expect(exp(-740)).toBeLessThan(2.2250738585072014e-308);
  });

  it('sigmoid is 1 / (1 + e^−x), saturating without NaN', () => {
    for (const x of inputs(-30, 30, 26)) expect(sigmoid(x)).toBe(1 / (1 + exp(-x)));
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
  });

  it('has power: Math.exp-like errors of 2 ulps would be caught', () => {
    // A mutant that is off by 2 ulps must fail the bound the tests above apply.
    const x = 0.7;
    const exact = D(x).exp();
    const mutant = exp(x) + 2 * ulp(exp(x)).toNumber();
    expect(ulpError(mutant, exact)).toBeGreaterThan(MAX_ULPS);
  });
});
