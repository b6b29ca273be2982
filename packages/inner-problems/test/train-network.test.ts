import * as tf from '@tensorflow/tfjs';
import { makeKey } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { evaluationSet, sgdTensor, trainNetwork } from '../src/index.js';
import { loadImageData } from '../src/node/index.js';

describe('trainNetwork', () => {
  const data = loadImageData({ dataset: 'mnist' });
  const base = {
    data,
    architecture: [784, 16, 10],
    activation: 'relu' as const,
    batchSize: 32,
    steps: 60,
    evalEvery: 25,
    trainRecords: 2000,
  };

  it('lowers the whole-dataset losses with SGD, reports step 0, every 25th and the last step, and leaks no tensor', () => {
    const optimizer = sgdTensor().withLearningRate(0.1);
    const before = tf.memory().numTensors;
    const r = trainNetwork({ ...base, optimizer, key: makeKey(5) });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.curve.map((p) => p.step)).toEqual([0, 25, 50, 60]);
    expect(r.final).toBe(r.curve.at(-1));
    expect(r.final.trainLoss).toBeLessThan(0.6 * r.curve[0]!.trainLoss);
    expect(r.final.valLoss).toBeLessThan(0.6 * r.curve[0]!.valLoss);
    expect(r.final.valAccuracy).toBeGreaterThan(0.7);
    expect(r.divergedAt).toBeUndefined();
  });

  it('sees the same network and minibatches for the same key, other ones for another key', () => {
    const optimizer = sgdTensor().withLearningRate(0.05);
    const run = (seed: number) =>
      trainNetwork({ ...base, steps: 10, optimizer, key: makeKey(seed) });
    expect(run(1)).toEqual(run(1));
    expect(run(2).curve[0]!.valLoss).not.toBe(run(1).curve[0]!.valLoss);
  });

  it('gives the same figures with evaluation sets prepared once and shared across runs', () => {
    const optimizer = sgdTensor().withLearningRate(0.1);
    const evaluation = {
      train: evaluationSet(data.train, base.trainRecords),
      validation: evaluationSet(data.validation),
    };
    const before = tf.memory().numTensors;
    const run = (shared: boolean) =>
      trainNetwork({
        ...base,
        steps: 10,
        optimizer,
        key: makeKey(4),
        ...(shared ? { evaluation } : {}),
      });
    expect(run(true)).toEqual(run(false));
    expect(tf.memory().numTensors).toBe(before);
    evaluation.train.dispose();
    evaluation.validation.dispose();
  });

  it('stops at the first non-finite training loss and says where', () => {
    const optimizer = sgdTensor().withLearningRate(1e6);
    const r = trainNetwork({ ...base, optimizer, key: makeKey(3) });
    expect(r.divergedAt).toBeGreaterThan(0);
    expect(r.final.step).toBe(r.divergedAt);
  });
});
