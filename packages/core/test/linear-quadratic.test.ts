import { describe, expect, it } from 'vitest';
import { defaultLinearQuadraticConfig, linearQuadraticTask, makeKey } from '../src/index.js';

const task = linearQuadraticTask(defaultLinearQuadraticConfig(20));
const theta = Float64Array.of(0.3, -0.7);
// Central differences are exact for a quadratic up to rounding: a tight tolerance is fair.
const H = 1e-4;
const TOLERANCE = 1e-6;

function finiteDifference(f: (t: Float64Array) => number): Float64Array {
  return theta.map((_, j) => {
    const plus = theta.slice();
    const minus = theta.slice();
    plus[j]! += H;
    minus[j]! -= H;
    return (f(plus) - f(minus)) / (2 * H);
  });
}

describe('linear-quadratic task', () => {
  it('its exact gradient matches finite differences of the loss', () => {
    const fd = finiteDifference((t) => task.lossSum(t, 5, 17));
    const exact = task.exactGradient(theta, 5, 17);
    exact.forEach((g, j) => expect(Math.abs(g - fd[j]!)).toBeLessThan(TOLERANCE));
  });

  it('its unroll gradient (state held fixed) matches finite differences of an unroll', () => {
    const start = task.unroll(task.init(makeKey(0), 1), theta, 7, makeKey(1)).state;
    const unrollLoss = (t: Float64Array) =>
      task.unroll(start, t, 5, makeKey(2)).losses.reduce((a, b) => a + b, 0);
    const { grads } = task.differentiable!.unrollWithGradient(start, theta, 5, makeKey(2));
    const fd = finiteDifference(unrollLoss);
    grads.forEach((g, j) => expect(Math.abs(g - fd[j]!)).toBeLessThan(TOLERANCE));
    // …and that is the truncated gradient of the same steps
    const truncated = task.truncatedGradient(theta, 7, 12);
    grads.forEach((g, j) => expect(g).toBeCloseTo(truncated[j]!, 12));
  });

  it('ends episodes at the horizon, resets to s0, and honours staggered offsets', () => {
    const state = task.init(makeKey(0), 2, { stepOffsets: Int32Array.of(0, 15) });
    const { done, losses } = task.unroll(
      state,
      Float64Array.of(...theta, ...theta),
      25,
      makeKey(0),
    );
    expect(done.slice(0, 25).indexOf(1)).toBe(19);
    expect(done.slice(25).indexOf(1)).toBe(4);
    // the second particle's first step after its reset repeats the first step of an episode
    expect(losses[25 + 5]).toBe(losses[0]);
  });

  it('evaluate is the full-episode loss', () => {
    expect(task.evaluate(theta, makeKey(0)).evalLoss).toBe(task.lossSum(theta, 0, 20));
  });

  it('gather copies particles and reset restarts only the masked ones', () => {
    const state = task.unroll(
      task.init(makeKey(0), 2),
      Float64Array.of(1, 1, 2, 2),
      3,
      makeKey(0),
    ).state;
    const gathered = task.gather(state, Int32Array.of(1, 1, 0));
    expect(Array.from(gathered.t)).toEqual([3, 3, 3]);
    expect(Array.from(gathered.s.subarray(0, 3))).toEqual(Array.from(state.s.subarray(3, 6)));
    const reset = task.reset(state, Uint8Array.of(0, 1), makeKey(0));
    expect(Array.from(reset.t)).toEqual([3, 0]);
    expect(Array.from(reset.s.subarray(3))).toEqual([0, 0, 0]);
    expect(Array.from(state.t)).toEqual([3, 3]); // inputs untouched
  });
});
