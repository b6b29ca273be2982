import {
  baseRunSettings,
  adam,
  createMetaTrainer,
  findEstimator,
  makeKey,
  rtrl,
  runMetaTraining,
  split,
  type Key,
  type Task,
} from '@pes/core';
import { describe, expect, it } from 'vitest';
import { toyLoss, toyRegressionTask, toyRegressionTaskSpec } from '../src/index.js';

const task = toyRegressionTask();
const H = 1e-6;
// f is smooth away from x1 = 100, which these runs never reach; central differences with
// h = 1e-6 are good to ~1e-8 relative here.
const RELATIVE_TOLERANCE = 1e-5;

function fdGradient(f: (theta: Float64Array) => number, theta: Float64Array): Float64Array {
  return theta.map((_, j) => {
    const plus = theta.slice();
    const minus = theta.slice();
    plus[j]! += H;
    minus[j]! -= H;
    return (f(plus) - f(minus)) / (2 * H);
  });
}

function expectClose(actual: Float64Array, expected: Float64Array) {
  actual.forEach((v, j) =>
    expect(Math.abs(v - expected[j]!)).toBeLessThan(
      RELATIVE_TOLERANCE * Math.max(1, Math.abs(expected[j]!)),
    ),
  );
}

describe('toy regression', () => {
  it('has the inner loss of the paper', () => {
    expect(toyLoss(0, 100)).toBeCloseTo(Math.sin(100) ** 2, 15);
    expect(toyLoss(1, 1)).toBeCloseTo(
      Math.sqrt(6) - Math.sqrt(5) + Math.sin(1) ** 2 * Math.exp(-5) + 0.25 * 99,
      14,
    );
  });

  it('evaluates the sum of the losses after each of T = 100 SGD steps', () => {
    const theta = Float64Array.of(-4, -4);
    const r = task.unroll(task.init(makeKey(0), 1), theta, 100, makeKey(0));
    expect(task.evaluate(theta, makeKey(0)).evalLoss).toBeCloseTo(
      r.losses.reduce((a, b) => a + b, 0),
      12,
    );
    expect(r.done[99]).toBe(1);
  });

  it('its truncated gradient matches finite differences', () => {
    const theta = Float64Array.of(-2, -1);
    const start = task.unroll(task.init(makeKey(0), 1), theta, 30, makeKey(0)).state;
    const loss = (t: Float64Array) =>
      task.unroll(start, t, 10, makeKey(0)).losses.reduce((a, b) => a + b, 0);
    const { grads } = task.differentiable!.unrollWithGradient(start, theta, 10, makeKey(0));
    expectClose(grads, fdGradient(loss, theta));
  });

  it('its Jacobians give RTRL the gradient of the full-horizon objective', () => {
    for (const theta of [
      Float64Array.of(-4, -4),
      Float64Array.of(-1.5, -0.5),
      Float64Array.of(-3, 0.2),
    ]) {
      const estimator = rtrl(task as Task, {
        particles: 1,
        sigma: 0,
        unrollLength: 10,
        stagger: false,
      });
      const [initKey, loopKey] = split(makeKey(2), 2) as [Key, Key];
      let state = estimator.init(theta, initKey);
      const sum = new Float64Array(2);
      for (let j = 0; j < 10; j++) {
        const r = estimator.estimate(theta, state, split(loopKey, 10)[j]!);
        sum[0]! += r.grad[0]!;
        sum[1]! += r.grad[1]!;
        state = r.state;
      }
      expectClose(
        sum,
        fdGradient((t) => task.metaObjective(t), theta),
      );
    }
  });
});

describe("the paper's toy-regression finding", () => {
  // PES's smoothing crosses the ripples that stall truncated ES; the gap is large (≈ 570 against
  // ≈ 2420 after 5000 iterations), so a factor of two at 2000 iterations leaves a wide margin.
  const ITERATIONS = 2000;
  const REQUIRED_RATIO = 0.5;

  async function finalLoss(estimator: 'pes' | 'tes') {
    const d = { ...baseRunSettings, ...toyRegressionTaskSpec.defaults };
    const trainer = createMetaTrainer({
      task: task as Task,
      estimator: findEstimator(estimator)!.create(task as Task, {
        particles: d.particles,
        sigma: d.sigma,
        unrollLength: d.unrollLength,
      }),
      optimizer: adam(d.outerLr, { b1: d.adamB1, b2: d.adamB2 }),
      settings: { iterations: ITERATIONS, evalEvery: 0, seed: d.seed },
    });
    return (await runMetaTraining({ trainer })).state.history.at(-1)!.evaluation.evalLoss;
  }

  it('PES (K = 10) ends at a much lower full-horizon loss than truncated ES (K = 10)', async () => {
    expect(await finalLoss('pes')).toBeLessThan(REQUIRED_RATIO * (await finalLoss('tes')));
  });
});
