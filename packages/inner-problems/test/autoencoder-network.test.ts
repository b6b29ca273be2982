import * as tf from '@tensorflow/tfjs';
import { makeKey } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { adamTensor, autoencoderNetwork, trainNetwork, type ImageData } from '../src/index.js';
import { loadEmbeddedMnist } from '../src/node/index.js';

describe('the autoencoder problem', () => {
  it('has the loss it says: the mean squared error of its reconstruction, by hand', () => {
    const net = autoencoderNetwork([3, 2, 3]);
    const params = [
      tf.tensor2d([1, 0, 0, 1, 1, -1], [3, 2]),
      tf.tensor1d([0, 0.5]),
      tf.tensor2d([1, 2, 0, -1, 1, 0], [2, 3]),
      tf.tensor1d([0, 0, 1]),
    ];
    const x = tf.tensor2d([[1, 2, 3]]);
    // h = relu([1 + 3, 2 − 3 + 0.5]) = [4, 0]; out = [4, 8, 0] + [0, 0, 1] = [4, 8, 1].
    const { loss, accuracy } = net.evaluate(params, { x, y: tf.zeros([1, 10]) as tf.Tensor2D });
    expect(loss.dataSync()[0]).toBeCloseTo(((4 - 1) ** 2 + (8 - 2) ** 2 + (1 - 3) ** 2) / 3, 5);
    expect(Number.isNaN(accuracy.dataSync()[0])).toBe(true);
    tf.dispose([...params, x, loss, accuracy]);
  });

  it('refuses layers that do not end where they start', () => {
    expect(() => autoencoderNetwork([784, 32, 10])).toThrow('must start and end at the input size');
  });

  it('learns to reconstruct digits with Adam, leaving no tensor behind', () => {
    const mnist = loadEmbeddedMnist();
    const data: ImageData = { train: mnist, validation: mnist };
    const before = tf.memory().numTensors;
    const r = trainNetwork({
      network: autoencoderNetwork([784, 32, 784]),
      data,
      batchSize: 32,
      steps: 60,
      optimizer: adamTensor().withLearningRate(() => 1e-3),
      key: makeKey(3),
      evalEvery: 60,
      trainRecords: 500,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.final.trainLoss).toBeLessThan(0.8 * r.curve[0]!.trainLoss);
  });
});
