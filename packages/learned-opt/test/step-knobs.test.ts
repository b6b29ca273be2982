import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { initialMlpLoptTheta, LearnedTfOptimizer, mlpLearnedOptimizer } from '../src/index.js';
import { withStepKnobs } from '../src/step-knobs.js';

const theta = initialMlpLoptTheta(makeKey(3));

/** One update of a 20-parameter tensor at step `step`, through an optimizer. */
function updateAt(optimizer = mlpLearnedOptimizer.optimizer(theta), step = 0): Float32Array {
  return tf.tidy(() => {
    const p = tf.tensor(Float32Array.from(normal(makeKey(1), 20)), [4, 5]);
    const g = tf.tensor(Float32Array.from(normal(makeKey(2), 20)), [4, 5]);
    const r = optimizer.update([g], optimizer.init([p]), [p], step);
    return r.updates[0]!.dataSync() as Float32Array;
  });
}

describe('step knobs of a learned optimizer', () => {
  it('stepScale multiplies every update', () => {
    const plain = updateAt();
    const half = updateAt(withStepKnobs(mlpLearnedOptimizer.optimizer(theta), { stepScale: 0.5 }));
    half.forEach((u, i) => expect(u).toBeCloseTo(0.5 * plain[i]!, 7));
    expect(Math.max(...Array.from(plain, Math.abs))).toBeGreaterThan(0);
  });

  it('stepFeatureLimit holds the step features at the limit: step 5,000 steps as step 500', () => {
    const limited = withStepKnobs(mlpLearnedOptimizer.optimizer(theta), { stepFeatureLimit: 500 });
    expect(updateAt(limited, 5000)).toEqual(updateAt(undefined, 500));
    expect(updateAt(limited, 300)).toEqual(updateAt(undefined, 300));
    // The test has power: unheld, step 5,000 steps otherwise.
    expect(updateAt(undefined, 5000)).not.toEqual(updateAt(undefined, 500));
  });

  it('refuses a scale that is not a positive number, and a limit below one step', () => {
    expect(() => new LearnedTfOptimizer(theta, { stepScale: 0 })).toThrow(/stepScale/);
    expect(() => new LearnedTfOptimizer(theta, { stepScale: Number.NaN })).toThrow(/stepScale/);
    expect(() => new LearnedTfOptimizer(theta, { stepFeatureLimit: 0 })).toThrow(
      /stepFeatureLimit/,
    );
  });

  it('travel in the config and come back through fromConfig', () => {
    const optimizer = new LearnedTfOptimizer(theta, { stepScale: 0.3, stepFeatureLimit: 700 });
    const config = optimizer.getConfig();
    expect(config).toMatchObject({ stepScale: 0.3, stepFeatureLimit: 700 });
    const back = LearnedTfOptimizer.fromConfig(LearnedTfOptimizer, config);
    expect(back.getConfig()).toEqual(config);
    expect(new LearnedTfOptimizer(theta).getConfig()).toMatchObject({
      stepScale: 1,
      stepFeatureLimit: null,
    });
  });

  it('each optimizer counts its own steps: two in one program do not share a counter', () => {
    const variable = tf.variable(tf.ones([3]));
    const a = new LearnedTfOptimizer(theta);
    const b = new LearnedTfOptimizer(theta);
    const grads = () => ({ [variable.name]: tf.onesLike(variable) });
    for (let s = 0; s < 3; s++) {
      const g = grads();
      a.applyGradients(g);
      tf.dispose(Object.values(g));
    }
    expect(a.iterations).toBe(3);
    expect(b.iterations).toBe(0);
    [a, b].forEach((o) => o.dispose());
    variable.dispose();
  });
});
