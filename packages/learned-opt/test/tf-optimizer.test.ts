import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { convClassifier, registerWasmConvGradients } from '@pes/inner-problems';
import { initialMlpLoptTheta, LearnedTfOptimizer } from '../src/index.js';
import { normalisedGradientTheta } from './known-theta.js';

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

describe('a learned optimizer on a conv net', () => {
  it('trains conv, pooling and dense layers on the WebAssembly backend, with no tensor left', async () => {
    registerWasmConvGradients();
    const model = convClassifier();
    const optimizer = new LearnedTfOptimizer(initialMlpLoptTheta(makeKey(4)));
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const x = tf.tensor4d(Float32Array.from(normal(makeKey(30), 4 * 28 * 28)), [4, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
    const kernel = model.layers[0]!.getWeights()[0]!.clone();
    await model.trainOnBatch(x, y);
    const before = tf.memory().numTensors;
    await model.trainOnBatch(x, y);
    expect(tf.memory().numTensors).toBe(before);
    const moved = tf.max(tf.abs(tf.sub(model.layers[0]!.getWeights()[0]!, kernel))).dataSync()[0]!;
    expect(moved).toBeGreaterThan(0);
    expect(tf.getBackend()).toBe('wasm');
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y, kernel]);
  });
});
