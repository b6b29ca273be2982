import { describe, expect, it } from 'vitest';
import {
  adam,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  momentum,
  scale,
  sgd,
  type GradientTransformation,
} from '../src/index.js';

/** β^t as t multiplications, the way Adam's state keeps it. */
function productPower(beta: number, t: number): number {
  let power = 1;
  for (let i = 0; i < t; i++) power *= beta;
  return power;
}

const table: [string, GradientTransformation][] = [
  ['sgd', sgd(0.1)],
  ['momentum', momentum(0.05, 0.9)],
  ['adam', adam(0.05)],
  ['adam β1 0.99', adam(0.05, { b1: 0.99, b2: 0.999 })],
  ['clipped sgd', chain(clipByGlobalNorm(1), sgd(0.1))],
];

// f(x) = ½ Σ c_i (x_i − 1)²: an ill-conditioned parabola with its minimum at 1.
const curvature = Float64Array.of(1, 4, 0.25);
const gradient = (x: Float64Array) => x.map((v, i) => curvature[i]! * (v - 1));

describe.each(table)('%s', (_name, optimizer) => {
  it('converges on a parabola, keeping shapes and finite values', () => {
    let x: Float64Array = Float64Array.of(5, -3, 2);
    let state = optimizer.init(x);
    for (let i = 0; i < 2000; i++) {
      const [updates, next] = optimizer.update(gradient(x), state, x);
      expect(updates.length).toBe(3);
      x = applyUpdates(x, updates);
      state = next;
    }
    expect(x.every(Number.isFinite)).toBe(true);
    for (const v of x) expect(Math.abs(v - 1)).toBeLessThan(1e-2);
  });

  it('is pure: the same inputs give the same update and leave the state untouched', () => {
    const x = Float64Array.of(5, -3, 2);
    const state = optimizer.init(x);
    const before = JSON.stringify(state, (_k, v) =>
      ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
    );
    const [a] = optimizer.update(gradient(x), state, x);
    const [b] = optimizer.update(gradient(x), state, x);
    expect(Array.from(a)).toEqual(Array.from(b));
    const after = JSON.stringify(state, (_k, v) =>
      ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
    );
    expect(after).toBe(before);
  });
});

describe('individual transforms', () => {
  it("adam's first step is −lr · g / (|g| + ε) per coordinate", () => {
    const opt = adam(0.1);
    const [u] = opt.update(
      Float64Array.of(2, -0.5),
      opt.init(new Float64Array(2)),
      new Float64Array(2),
    );
    expect(u[0]).toBeCloseTo(-0.1, 6);
    expect(u[1]).toBeCloseTo(0.1, 6);
  });

  it("adam's bias correction uses β^t as a running product, the same in every engine", () => {
    // Node's `**` differs from the product in the last bit from t = 5 on for β = 0.9 (checked
    // below), so an optimizer that used `**` would fail the bit comparison.
    const [b1, b2, lr, eps] = [0.9, 0.999, 0.1, 1e-8];
    const steps = 12;
    expect(Array.from({ length: steps }, (_, t) => 0.9 ** (t + 1))).not.toEqual(
      Array.from({ length: steps }, (_, t) => productPower(0.9, t + 1)),
    );
    const g = Float64Array.of(0.3, -2);
    const opt = adam(lr, { b1, b2, eps });
    let state = opt.init(new Float64Array(2));
    let mu = [0, 0];
    let nu = [0, 0];
    for (let t = 1; t <= steps; t++) {
      const [u, next] = opt.update(g, state, new Float64Array(2));
      state = next;
      mu = mu.map((m, i) => b1 * m + (1 - b1) * g[i]!);
      nu = nu.map((v, i) => b2 * v + (1 - b2) * g[i]! * g[i]!);
      const c1 = 1 - productPower(b1, t);
      const c2 = 1 - productPower(b2, t);
      const expected = mu.map((m, i) => -lr * (m / c1 / (Math.sqrt(nu[i]! / c2) + eps)));
      expect(Array.from(u)).toEqual(expected);
    }
    const [adamState] = state as [{ count: number; b1Power: number; b2Power: number }];
    expect(adamState).toMatchObject({
      count: steps,
      b1Power: productPower(b1, steps),
      b2Power: productPower(b2, steps),
    });
  });

  it("adam's restore takes back what it wrote and refuses a state without the running products", () => {
    const opt = adam(0.1);
    const x = Float64Array.of(1, 2);
    const [, state] = opt.update(x, opt.init(x), x);
    expect(opt.restore!(state)).toEqual(state);
    const [adamState, scaleState] = state as [Record<string, unknown>, unknown];
    const { b1Power: _b1, b2Power: _b2, ...older } = adamState;
    expect(() => opt.restore!([older, scaleState])).toThrow(
      /no running β1\^t, β2\^t .*start the run again/,
    );
    expect(() => opt.restore!([{}, scaleState])).toThrow(/not an Adam state/);
    expect(() => opt.restore!([adamState])).toThrow(/states of 2 optimizer transforms/);
  });

  it('momentum accumulates: the second update is −lr (g + β g)', () => {
    const opt = momentum(1, 0.5);
    const g = Float64Array.of(1);
    const [, s1] = opt.update(g, opt.init(g), g);
    const [u2] = opt.update(g, s1, g);
    expect(u2[0]).toBeCloseTo(-1.5, 12);
  });

  it('clipping bounds the global norm and leaves small gradients alone', () => {
    const clip = clipByGlobalNorm(1);
    const [big] = clip.update(
      Float64Array.of(3, 4),
      clip.init(new Float64Array(2)),
      new Float64Array(2),
    );
    expect(Math.hypot(big[0]!, big[1]!)).toBeCloseTo(1, 12);
    const [small] = clip.update(Float64Array.of(0.3, 0.4), {}, new Float64Array(2));
    expect(Array.from(small)).toEqual([0.3, 0.4]);
  });

  it('chain composes in order', () => {
    const opt = chain(scale(2) as GradientTransformation, scale(-3) as GradientTransformation);
    const [u] = opt.update(Float64Array.of(1), opt.init(new Float64Array(1)), new Float64Array(1));
    expect(u[0]).toBe(-6);
  });

  it('rejects bad settings with messages naming them', () => {
    expect(() => sgd(-1)).toThrow(/learning rate must be a positive/);
    expect(() => adam(0.1, { b1: 1 })).toThrow(/adam b1 must lie in \[0, 1\)/);
    expect(() => clipByGlobalNorm(0)).toThrow(/clip norm/);
  });
});
