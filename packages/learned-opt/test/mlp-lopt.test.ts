import * as tf from '@tensorflow/tfjs';
import { foldIn, makeKey, normal, persistentEs, type Task } from '@pes/core';
import {
  applyTensorUpdates,
  imageClassificationTask,
  type InnerUpdateRule,
} from '@pes/inner-problems';
import { loadImageData } from '@pes/inner-problems/node';
import { describe, expect, it } from 'vitest';
import {
  initialMlpLoptTheta,
  mlpLearnedOptimizer,
  mlpLearnedOptimizerReferenceRule,
  LOPT_INPUTS,
  mlpLearnedOptimizerRule,
  mlpLoptLayout,
} from '../src/index.js';
import { updatePeakBytes } from './update-peak.js';

/** One step of a rule's optimizer at θ, with the updates applied. */
function step(
  rule: InnerUpdateRule,
  theta: Float64Array,
  t: number,
  params: tf.Tensor[],
  grads: tf.Tensor[],
  state: tf.Tensor[],
) {
  const r = rule.optimizer(theta).update(grads, state, params, t);
  return { params: applyTensorUpdates(params, r.updates), state: r.state };
}

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
    const next = tf.tidy(() => step(rule, theta, 3, params, grads, state));
    const expected = 2 * Math.exp(500 * 1e-3) * 1e-3;
    next.params.forEach((p, i) => {
      const before = params[i]!.dataSync();
      p.dataSync().forEach((v, j) => expect(v).toBeCloseTo(before[j]! - expected, 5));
    });
    expect(next.state.map((x) => x.shape)).toEqual([
      [4, 8],
      [2, 8],
    ]); // per tensor: gradient, value and six momenta for each parameter
    tf.dispose([...params, ...grads, ...state, ...next.params, ...next.state]);
  });

  it('equals the direct transcription of docs/paper.md d (19-column features, six momentum tensors) over ten steps', () => {
    // A θ whose output layer is large enough that direction and magnitude vary visibly.
    const theta = initialMlpLoptTheta(makeKey(3));
    const { blocks } = mlpLoptLayout();
    const noise = normal(makeKey(4), 66);
    for (let i = 0; i < 66; i++) theta[blocks[4]!.offset + i] = 3 * noise[i]!;
    const fast = mlpLearnedOptimizerRule(theta);
    const reference = mlpLearnedOptimizerReferenceRule(theta);
    const shapes = [[30, 7], [7], [7, 3], [3]];
    const start = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', i + 1));
    const run = (rule: typeof fast) => {
      let params = start.map((p) => p.clone());
      let state = rule.init(params);
      for (let t = 0; t < 10; t++) {
        // Gradients that depend on the parameters, so the two runs would drift apart if any
        // step differed.
        const grads = tf.tidy(() => params.map((p) => tf.sin(tf.mul(p, 3))));
        const next = tf.tidy(() => step(rule, theta, t, params, grads, state));
        tf.dispose([...params, ...state, ...grads]);
        params = next.params;
        state = next.state;
      }
      const values = params.map((p) => Array.from(p.dataSync()));
      tf.dispose([...params, ...state]);
      return values;
    };
    const before = tf.memory().numTensors;
    const ours = run(fast);
    const theirs = run(reference);
    expect(tf.memory().numTensors).toBe(before);
    const moved = theirs
      .flat()
      .map((v, j) => Math.abs(v - start.map((p) => Array.from(p.dataSync())).flat()[j]!));
    expect(Math.max(...moved)).toBeGreaterThan(1e-3);
    ours.flat().forEach((v, j) => expect(v).toBeCloseTo(theirs.flat()[j]!, 5));
    tf.dispose(start);
  });

  it('is one object, meta-trained and used: the rule of a particle with θ steps exactly as optimizer(θ) does', () => {
    const theta = initialMlpLoptTheta(makeKey(8));
    const rule = mlpLearnedOptimizerRule(initialMlpLoptTheta(makeKey(0)));
    const params = [
      tf.randomNormal([5, 3], 0, 1, 'float32', 1),
      tf.randomNormal([3], 0, 1, 'float32', 2),
    ];
    const grads = params.map((p) => tf.onesLike(p));
    const state = rule.init(params);
    const viaRule = tf.tidy(() => rule.optimizer(theta).update(grads, state, params, 4));
    const viaOptimizer = tf.tidy(() =>
      mlpLearnedOptimizer.optimizer(theta).update(grads, state, params, 4),
    );
    viaRule.updates.forEach((u, i) =>
      expect(Array.from(u.dataSync())).toEqual(Array.from(viaOptimizer.updates[i]!.dataSync())),
    );
    tf.dispose([
      ...params,
      ...grads,
      ...state,
      ...Object.values(viaRule).flat(),
      ...Object.values(viaOptimizer).flat(),
    ]);
    expect(() => mlpLearnedOptimizerRule(new Float64Array(5))).toThrow(
      /MLP learned optimizer θ has 1762 numbers, got 5/,
    );
  });

  it('holds one tensor’s intermediates at a time: a six-tensor update peaks at little more than a one-tensor one', async () => {
    const optimizer = mlpLearnedOptimizer.optimizer(initialMlpLoptTheta(makeKey(8)));
    const one = await updatePeakBytes(optimizer, 1);
    expect(await updatePeakBytes(optimizer, 6)).toBeLessThan(1.5 * one);
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
