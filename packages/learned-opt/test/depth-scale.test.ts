import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  checkDepthScale,
  depthFactor,
  depthOf,
  familyLearnedOptimizer,
  NormalizedLearnedTfOptimizer,
  normalizedLopt,
  normalizedLoptLayout,
  type DepthScale,
} from '../src/index.js';
import { secondStepUpdates } from './scaled-updates.js';

/** Four weight tensors (two Dense kernels, a convolution, an LSTM-like kernel) and a bias. */
const SHAPES = [[6, 4], [4], [3, 2, 2, 5], [4, 8], [8, 3]] as const;
const theta = Float64Array.from(normal(makeKey(6), normalizedLoptLayout().dim), (v) => 0.5 * v);

/** The updates of the second of two steps from fixed parameters and gradients. */
const updates = (depthScale: DepthScale | undefined) =>
  secondStepUpdates(
    theta,
    SHAPES,
    { paramKey: 50, gradientKey: (step, i) => 200 + 10 * step + i },
    { depthScale },
  );

describe('the depth scale (shorter steps for networks deeper than the family)', () => {
  it('counts the weight tensors of an update and shrinks by (base / depth)^power above the base', () => {
    expect(depthOf(SHAPES)).toBe(4);
    expect(depthOf([[10], []])).toBe(0);
    expect(depthFactor(9, { baseDepth: 3, power: 0.5 })).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(depthFactor(6, { baseDepth: 3, power: 1 })).toBe(0.5);
    expect(depthFactor(3, { baseDepth: 3, power: 1 })).toBe(1);
    expect(depthFactor(40, undefined)).toBe(1);
  });

  it('shortens every weight tensor of a deeper update by the same factor, in the same direction; biases keep theirs', () => {
    const plain = updates(undefined);
    const scaled = updates({ baseDepth: 2, power: 1 });
    // Four weight tensors over a base of 2: half the length, the direction unchanged.
    for (const i of [0, 2, 3, 4])
      scaled[i]!.forEach((v, j) => expect(v).toBeCloseTo(plain[i]![j]! * 0.5, 9));
    expect(scaled[1]).toEqual(plain[1]);
    // A base at or above the depth changes nothing, bit for bit (every network the family drew).
    expect(updates({ baseDepth: 4, power: 0.5 })).toEqual(plain);
  });

  it('reaches a model through the tf.Optimizer, which steps all its variables in one update', () => {
    const depthScale = { baseDepth: 2, power: 1 };
    const params = SHAPES.map((shape, i) =>
      tf.tensor(Float32Array.from(normal(makeKey(50 + i), tf.util.sizeFromShape([...shape]))), [
        ...shape,
      ]),
    );
    const variables = params.map((p, i) => tf.variable(p, true, `depth-scale-test/${i}`));
    const optimizer = new NormalizedLearnedTfOptimizer(theta, {
      learningRate: 1e-3,
      depthScale,
      blowUpFactor: null,
    });
    const rule = normalizedLopt({ learningRate: 1e-3, depthScale }).optimizer(theta);
    const before = tf.memory().numTensors;
    let state = rule.init(params);
    let expected = params;
    for (let step = 0; step < 2; step++) {
      const g = params.map((x, i) =>
        tf.tensor(Float32Array.from(normal(makeKey(200 + 10 * step + i), x.size)), x.shape),
      );
      optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: g[i]! })));
      const r = tf.tidy(() => {
        const { updates, state: after } = rule.update(g, state, expected, step);
        return { next: expected.map((p, i) => tf.add(p, updates[i]!)), after };
      });
      if (step > 0) tf.dispose(expected);
      tf.dispose([...g, ...state]);
      [state, expected] = [r.after, r.next];
    }
    // The same bits as the rule over the whole network at once (the suite's path): with one
    // variable at a time, the update would see a depth of 1 and leave every step unscaled.
    variables.forEach((v, i) => expect(v.dataSync()).toEqual(expected[i]!.dataSync()));
    tf.dispose([...state, ...expected]);
    // Nothing leaks: what is left is the optimizer's state, made at the first step and kept
    // (momenta and two factored moments for each weight tensor, momenta and a moment for the bias).
    expect(tf.memory().numTensors).toBe(before + 3 * 4 + 2);
    optimizer.dispose();
    tf.dispose([...variables, ...params]);
  });

  it('is saved and restored with the optimizer, and is off in familyLearnedOptimizer() unless asked for', () => {
    const scale = { baseDepth: 3, power: 0.5 };
    const optimizer = familyLearnedOptimizer({ depthScale: scale });
    expect(optimizer.getConfig()['depthScale']).toEqual(scale);
    expect(familyLearnedOptimizer().getConfig()['depthScale']).toBeNull();
    const restored = NormalizedLearnedTfOptimizer.fromConfig<NormalizedLearnedTfOptimizer>(
      NormalizedLearnedTfOptimizer,
      optimizer.getConfig(),
    );
    expect(restored.getConfig()).toEqual(optimizer.getConfig());
    for (const o of [optimizer, restored]) o.dispose();
  });

  it('refuses a bad depth scale, naming the field', () => {
    expect(checkDepthScale(undefined)).toBeUndefined();
    expect(checkDepthScale(null)).toBeUndefined();
    expect(() => checkDepthScale({ baseDepth: 0, power: 1 })).toThrow(/baseDepth must be/);
    expect(() => checkDepthScale({ baseDepth: 2.5, power: 1 })).toThrow(/baseDepth must be/);
    expect(() => checkDepthScale({ baseDepth: 3, power: 0 })).toThrow(/power must be/);
    expect(() => familyLearnedOptimizer({ depthScale: { baseDepth: 3, power: 2 } })).toThrow(
      /depthScale.power must be/,
    );
  });
});
