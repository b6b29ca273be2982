/**
 * The elementary functions of every number that can reach θ, the same to the last bit in
 * every JavaScript engine.
 *
 * `Math.exp`, `Math.log`, `Math.sin`, `Math.pow`, `**` and the rest are left by the language
 * to each engine's libm, and engines disagree in the last bit: Chromium 156 and Node 20 on all
 * of them but `sqrt`, Node 24 and Node 20 on `pow`. A seed would then give another θ in
 * another browser or Node version. The functions here are stdlib-js's ports of FreeBSD's msun
 * (tanh: of Cephes): pure IEEE 754 arithmetic (`+ − × ÷`, `sqrt`, comparisons, exact bit
 * manipulation), which every engine rounds identically. exp, log and tanh, the ones hot loops
 * call, are stdlib's algorithms written out here with a cheaper exact step each, and tested to
 * give stdlib's bits; the others are stdlib's own.
 *
 * Error bounds, held by elementary.test.ts against 60-digit references (ulps of the result):
 * exp, log, log1p, expm1, sin, cos below 1 (msun's own bound); tanh below 2 (Cephes states a
 * peak relative error of 2.5e-16, about 1.1 ulps); pow below 1, except y = 3 and y = 4, where
 * the port multiplies (x·x·x, (x·x)²: up to 2 and 3 ulps).
 *
 * This module is the one place the choice lives: numeric code imports these and never the
 * `Math` ones (eslint.config.js forbids those and `**` in every package's and app's source).
 */
import stdlibCos from '@stdlib/math-base-special-cos';
import stdlibExpm1 from '@stdlib/math-base-special-expm1';
import stdlibLog1p from '@stdlib/math-base-special-log1p';
import stdlibPow from '@stdlib/math-base-special-pow';
import stdlibSin from '@stdlib/math-base-special-sin';
import stdlibSincos from '@stdlib/math-base-special-sincos';

/**
 * 2^k for k = −1074 … 1023, every one exact (subnormals included): built by halving and doubling.
 */
const POWERS_OF_TWO = (() => {
  const table = new Float64Array(1074 + 1024);
  table[1074] = 1;
  for (let k = 1; k <= 1023; k++) table[1074 + k] = table[1074 + k - 1]! * 2;
  for (let k = 1; k <= 1074; k++) table[1074 - k] = table[1074 - k + 1]! * 0.5;
  return table;
})();

/**
 * y · 2^k as stdlib's `ldexp` gives it, for y in [0.5, 2) and k in [−1075, 1024]: rounded once,
 * except below the smallest subnormal (an exponent under −1074), where `ldexp` gives 0.
 */
function scaleByPowerOfTwo(y: number, k: number): number {
  // 2^1024 is not a double: move one factor of 2 into y, which is exact.
  if (k > 1023) return y * 2 * POWERS_OF_TWO[1074 + k - 1]!;
  if (k + (y < 1 ? -1 : 0) < -1074) return 0;
  return y * POWERS_OF_TWO[1074 + k]!;
}

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LOG2_E = 1.442695040888963387;
const EXP_OVERFLOW = 7.09782712893383973096e2;
const EXP_UNDERFLOW = -7.4513321910194110842e2;
const EXP_NEAR_ZERO = 1 / (1 << 28);

/**
 * eˣ: FreeBSD msun's e_exp.c, step for step as stdlib-js ports it (@stdlib/math-base-special-exp,
 * below 1 ulp), except its last step: the exact scaling by 2^k is one multiplication by a table
 * entry instead of stdlib's `ldexp`, which splits the double into words and was most of its
 * cost. A product by a power of two rounds once, as `ldexp` does (and gives 0 where `ldexp`
 * does, below the smallest subnormal), so the bits are stdlib's
 * (elementary.test.ts compares them on 10⁶ inputs) at about Math.exp's speed.
 */
export function exp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === -Infinity) return 0;
  if (x > EXP_OVERFLOW) return Infinity;
  if (x < EXP_UNDERFLOW) return 0;
  if (x > -EXP_NEAR_ZERO && x < EXP_NEAR_ZERO) return 1 + x;
  // Round x / ln 2 to the nearest integer k, then x = k ln 2 + r with |r| ≤ ln 2 / 2.
  const k = Math.trunc(x < 0 ? LOG2_E * x - 0.5 : LOG2_E * x + 0.5);
  const hi = x - k * LN2_HI;
  const lo = k * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const p =
    t === 0
      ? 0.16666666666666602
      : 0.16666666666666602 +
        t *
          (-0.0027777777777015593 +
            t *
              (0.00006613756321437934 +
                t * (-0.0000016533902205465252 + t * 4.1381367970572385e-8)));
  const c = r - t * p;
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  return scaleByPowerOfTwo(y, k);
}

const LOG_TWO54 = 1.8014398509481984e16;
/** One double and its two 32-bit halves; HIGH indexes the half with the sign and exponent. */
const WORD = new Float64Array(1);
const HALVES = new Int32Array(WORD.buffer);
const HIGH = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0;

/**
 * The natural logarithm: FreeBSD msun's e_log.c, step for step as stdlib-js ports it
 * (@stdlib/math-base-special-ln, below 1 ulp), except that the significand is scaled into
 * [√2/2, √2) by an exact multiplication by a power of two instead of by rewriting its high word
 * (a store and a reload of another width, which stalled the processor and cost half the time).
 * The same bits as stdlib's (tested on 10⁶ inputs) at about Math.log's speed.
 */
export function log(x: number): number {
  if (x === 0) return -Infinity;
  if (Number.isNaN(x) || x < 0) return NaN;
  WORD[0] = x;
  let high = HALVES[HIGH]!;
  let k = 0;
  if (high < 0x00100000) {
    // A subnormal: scale it into the normal range first.
    k -= 54;
    x *= LOG_TWO54;
    WORD[0] = x;
    high = HALVES[HIGH]!;
  }
  if (high >= 0x7ff00000) return x + x;
  const exponent = (high >> 20) - 1023;
  high &= 0x000fffff;
  let i = (high + 0x95f64) & 0x100000;
  // 1 where the significand is at least √2: it is then halved, and k counts one more.
  const halve = i >> 20;
  x *= POWERS_OF_TWO[1074 - exponent - halve]!;
  k += exponent + halve;
  const f = x - 1;
  if ((0x000fffff & (2 + high)) < 3) {
    // |f| < 2^−20
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const R = f * f * (0.5 - 0.3333333333333333 * f);
    return k === 0 ? f - R : k * LN2_HI - (R - k * LN2_LO - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  i = high - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - high;
  const t1 =
    w *
    (w === 0
      ? 0.3999999999940942
      : 0.3999999999940942 + w * (0.22222198432149784 + w * 0.15313837699209373));
  const t2 =
    z *
    (w === 0
      ? 0.6666666666666735
      : 0.6666666666666735 +
        w * (0.2857142874366239 + w * (0.1818357216161805 + w * 0.14798198605116586)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0
      ? f - (hfsq - s * (hfsq + R))
      : k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - R) : k * LN2_HI - (s * (f - R) - k * LN2_LO - f);
}

/** log(1 + x), accurate near x = 0. */
export const log1p: (x: number) => number = stdlibLog1p;
/** eˣ − 1, accurate near x = 0. */
export const expm1: (x: number) => number = stdlibExpm1;
/** The sine of x radians. */
export const sin: (x: number) => number = stdlibSin;
/** The cosine of x radians. */
export const cos: (x: number) => number = stdlibCos;
/**
 * sin x and cos x into out[0] and out[1] from one argument reduction: the bits of `sin` and
 * `cos` (tested), at about two thirds of their cost together.
 */
export function sincos(x: number, out: Float64Array): Float64Array {
  // stdlib's sincos gives +0 for sin(−0); sin gives −0.
  if (x === 0) {
    out[0] = x;
    out[1] = 1;
    return out;
  }
  stdlibSincos.assign(x, out, 1, 0);
  return out;
}

const TANH_SATURATION = 0.5 * 88.02969193111305;

/**
 * The hyperbolic tangent: Cephes' tanh, step for step as stdlib-js ports it
 * (@stdlib/math-base-special-tanh), over the exp above; the same bits (tested on 10⁶ inputs).
 */
export function tanh(x: number): number {
  const z = Math.abs(x);
  if (z > TANH_SATURATION) return x < 0 ? -1 : 1;
  if (z >= 0.625) {
    const y = 1 - 2 / (exp(2 * z) + 1);
    return x < 0 ? -y : y;
  }
  if (x === 0) return x;
  const s = x * x;
  // Cephes' rational approximation of (tanh(x) − x) / x³ in s = x² ≤ 0.39.
  const ratio =
    s === 0
      ? -0.3333333333333332
      : (-1614.6876844170845 + s * (-99.28772310019185 + s * -0.9643991794250523)) /
        (4844.063053251255 + s * (2235.4883906010045 + s * (112.81167849163293 + s)));
  return x + x * s * ratio;
}

/**
 * xʸ. Where x or y is ±0, ±∞ or NaN, ECMA-262 fixes every result exactly (and differs from C
 * and from msun: 1 ** ∞ is NaN, NaN ** 0 is 1, (−0) ** 0.5 is +0), so the language's own
 * answer is taken there, the same in every engine; every other case is msun's.
 */
export function pow(x: number, y: number): number {
  if (x === 0 || y === 0 || !Number.isFinite(x) || !Number.isFinite(y)) {
    // eslint-disable-next-line no-restricted-properties -- special values: exact by the spec
    return Math.pow(x, y);
  }
  return stdlibPow(x, y);
}

/** The logistic function 1 / (1 + e⁻ˣ). */
export function sigmoid(x: number): number {
  return 1 / (1 + exp(-x));
}
