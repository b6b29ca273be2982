import * as tf from '@tensorflow/tfjs';
import { makeKey } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  adamTensor,
  charLstmNetwork,
  charWindows,
  DEFAULT_TEXT,
  fillBatch,
  toBatch,
  trainNetwork,
} from '../src/index.js';

describe('a text as next-character windows', () => {
  it('makes each record a window and its label the character after it, the later part held out', () => {
    // Vocabulary of "abcab…": a = 0, b = 1, c = 2.
    const data = charWindows('abcabcabcabcabcabcabcab', 3, 0.25);
    expect(data.train.classNames).toEqual(['a', 'b', 'c']);
    expect(data.train.labels.length + data.validation.labels.length).toBe(23 - 3);
    expect(data.validation.labels.length).toBe(5);
    expect([...data.train.pixels.subarray(0, 6)]).toEqual([0, 1, 2, 1, 2, 0]);
    expect([...data.train.labels.subarray(0, 2)]).toEqual([0, 1]);
    // The held-out windows come after the training ones: the first starts at position 15.
    expect([...data.validation.pixels.subarray(0, 3)]).toEqual([0, 1, 2]);
    // The normalisation is the identity: a batch reads the indices themselves.
    const x = new Float32Array(2 * 3);
    const labels = new Int32Array(2);
    fillBatch(data.train, Int32Array.of(1, 2), x, labels);
    expect([...x]).toEqual([1, 2, 0, 2, 0, 1]);
  });

  it('refuses a text too short for its windows', () => {
    expect(() => charWindows('abcd', 3)).toThrow('too few for windows of 3');
  });
});

describe('the character LSTM language model', () => {
  const data = charWindows(DEFAULT_TEXT, 8);
  const V = data.train.classNames.length;

  it('has the gradients of its loss: autodiff against central differences', () => {
    const net = charLstmNetwork({ vocabulary: V, window: 8, embedding: 4, hidden: 6 });
    const params = net.init(makeKey(5));
    const x = new Float32Array(4 * 8);
    const labels = new Int32Array(4);
    fillBatch(data.train, Int32Array.of(0, 17, 99, 400), x, labels);
    const batch = toBatch(x, labels, 8, V);
    const { loss, grads } = net.lossAndGradients(params, batch);
    // Three entries of the recurrent matrix (index 2), one of each gate's block.
    const wh = params[2]!;
    const values = wh.dataSync();
    for (const at of [3, 6 * 4 * 6 - 1, 2 * 6 * 4 + 13]) {
      const lossAt = (delta: number) =>
        tf.tidy(() => {
          const shifted = Float32Array.from(values);
          shifted[at]! += delta;
          const ps = params.map((p, i) => (i === 2 ? tf.tensor(shifted, wh.shape) : p));
          return net.evaluate(ps, batch).loss.dataSync()[0]!;
        });
      const h = 1e-2;
      const numeric = (lossAt(h) - lossAt(-h)) / (2 * h);
      expect(Math.abs(numeric)).toBeGreaterThan(1e-3);
      expect(grads[2]!.dataSync()[at]).toBeCloseTo(numeric, 3);
    }
    tf.dispose([...params, loss, ...grads, batch.x, batch.xT, batch.y]);
  });

  it('learns the text with Adam, leaving no tensor behind', () => {
    const before = tf.memory().numTensors;
    const r = trainNetwork({
      network: charLstmNetwork({ vocabulary: V, window: 8, embedding: 8, hidden: 16 }),
      data,
      batchSize: 32,
      steps: 80,
      optimizer: adamTensor().withLearningRate(1e-2),
      key: makeKey(4),
      evalEvery: 80,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.final.trainLoss).toBeLessThan(0.8 * r.curve[0]!.trainLoss);
    expect(r.final.valAccuracy).toBeGreaterThan(0.1);
  });
});
