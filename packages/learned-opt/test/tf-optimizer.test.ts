import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { LearnedTfOptimizer, mlpLoptLayout } from '../src/index.js';

/**
 * A θ whose MLP outputs direction = c · (gradient / its RMS over the tensor) and magnitude 0:
 * hidden units carry relu(±ĝ) through, the output takes their difference. A known descent rule
 * to check the adapter with.
 */
function normalisedGradientTheta(c: number): Float64Array {
  const { blocks, dim } = mlpLoptLayout();
  const theta = new Float64Array(dim);
  const [w1, , w2, , w3] = blocks as { offset: number; shape: number[] }[];
  const normalisedGradient = 0; // features: g, p, six momenta (each over its RMS), then 11 step features
  const hidden = 32;
  theta[w1!.offset + normalisedGradient * hidden + 0] = 1;
  theta[w1!.offset + normalisedGradient * hidden + 1] = -1;
  theta[w2!.offset + 0 * hidden + 0] = 1;
  theta[w2!.offset + 1 * hidden + 1] = 1;
  theta[w3!.offset + 0 * 2 + 0] = c;
  theta[w3!.offset + 1 * 2 + 0] = -c;
  return theta;
}

describe('a learned optimizer as a tf.Optimizer', () => {
  it('trains a tfjs-layers model through compile and fit: the loss falls, and no tensor leaks', async () => {
    const features = 6;
    const x = tf.tensor2d(Float32Array.from(normal(makeKey(0), 64 * features)), [64, features]);
    const w = tf.tensor2d(Float32Array.from(normal(makeKey(1), features)), [features, 1]);
    const y = tf.matMul(x, w);
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 1, inputShape: [features] })],
    });
    const optimizer = new LearnedTfOptimizer(normalisedGradientTheta(20));
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const history = await model.fit(x, y, { epochs: 60, batchSize: 64, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
    const before = tf.memory().numTensors;
    await model.fit(x, y, { epochs: 5, batchSize: 64, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, w, y]);
  });
});
