import * as tf from '@tensorflow/tfjs';
import { foldIn, makeKey, persistentEs, type Task } from '@pes/core';
import { imageClassificationTask, loadImageData } from '@pes/inner-problems';
import { describe, expect, it } from 'vitest';
import {
  initialMlpLoptTheta,
  LOPT_INPUTS,
  mlpLearnedOptimizerRule,
  mlpLoptLayout,
} from '../src/index.js';

describe('MLP learned optimizer', () => {
  it('reads 19 features through 32 and 32 hidden units to 2 outputs: 1,762 numbers of θ', () => {
    expect(LOPT_INPUTS).toBe(19);
    expect(mlpLoptLayout().dim).toBe(19 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2);
    expect(initialMlpLoptTheta(makeKey(0))).toHaveLength(1762);
  });

  it('steps p ← p − dir · exp(mag · 1e-3) · 1e-3: a θ whose output is the constant (dir, mag) moves every parameter by that', () => {
    const { blocks, dim } = mlpLoptLayout();
    const theta = new Float64Array(dim);
    const outputBias = blocks[5]!.offset;
    theta[outputBias] = 2; // direction
    theta[outputBias + 1] = 500; // magnitude
    const rule = mlpLearnedOptimizerRule(theta);
    const params = [
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor1d([5, 6]),
    ];
    const grads = params.map((p) => tf.onesLike(p));
    const state = rule.init(params);
    const next = tf.tidy(() => rule.step({ theta, t: 3, params, grads, state }));
    const expected = 2 * Math.exp(500 * 1e-3) * 1e-3;
    next.params.forEach((p, i) => {
      const before = params[i]!.dataSync();
      p.dataSync().forEach((v, j) => expect(v).toBeCloseTo(before[j]! - expected, 5));
    });
    expect(next.state).toHaveLength(2 * 6); // six momenta per tensor
    tf.dispose([...params, ...grads, ...state, ...next.params, ...next.state]);
  });

  it('trains particles’ networks inside the MLP task under PES without leaking tensors', () => {
    const data = loadImageData({ dataset: 'mnist' });
    const task = imageClassificationTask({
      name: 'lopt-test',
      data,
      architecture: [784, 8, 10],
      activation: 'relu',
      batchSize: 8,
      horizon: 20,
      rule: mlpLearnedOptimizerRule(initialMlpLoptTheta(makeKey(1))),
      objective: 'train-loss',
    }) as unknown as Task;
    const pes = persistentEs(task, { particles: 2, sigma: 0.01, unrollLength: 5 });
    const theta = task.initialTheta();
    let state = pes.init(theta, makeKey(0));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 6; i++) {
      const r = pes.estimate(theta, state, foldIn(makeKey(2), i));
      expect(r.grad.every(Number.isFinite)).toBe(true);
      pes.dispose(state);
      state = r.state;
    }
    expect(tf.memory().numTensors).toBe(before);
    pes.dispose(state);
  });
});
