/**
 * The elementary functions of every number that can reach θ, the same to the last bit in
 * every JavaScript engine.
 *
 * `Math.exp`, `Math.log`, `Math.sin`, `Math.pow`, `**` and the rest are left by the language
 * to each engine's libm, and engines disagree in the last bit: Chromium 156 and Node 20 on all
 * of them but `sqrt`, Node 24 and Node 20 on `pow`. A seed would then give another θ in
 * another browser or Node version. The functions here are stdlib-js's ports of FreeBSD's msun
 * (tanh: of Cephes): pure IEEE 754 arithmetic (`+ − × ÷`, `sqrt`, comparisons, exact bit
 * manipulation), which every engine rounds identically.
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
import stdlibExp from '@stdlib/math-base-special-exp';
import stdlibExpm1 from '@stdlib/math-base-special-expm1';
import stdlibLn from '@stdlib/math-base-special-ln';
import stdlibLog1p from '@stdlib/math-base-special-log1p';
import stdlibPow from '@stdlib/math-base-special-pow';
import stdlibSin from '@stdlib/math-base-special-sin';
import stdlibTanh from '@stdlib/math-base-special-tanh';

/** eˣ */
export const exp: (x: number) => number = stdlibExp;
/** The natural logarithm. */
export const log: (x: number) => number = stdlibLn;
/** log(1 + x), accurate near x = 0. */
export const log1p: (x: number) => number = stdlibLog1p;
/** eˣ − 1, accurate near x = 0. */
export const expm1: (x: number) => number = stdlibExpm1;
/** The sine of x radians. */
export const sin: (x: number) => number = stdlibSin;
/** The cosine of x radians. */
export const cos: (x: number) => number = stdlibCos;
/** The hyperbolic tangent. */
export const tanh: (x: number) => number = stdlibTanh;
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
