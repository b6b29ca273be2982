import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeKey, normal, split, type Key } from '@pes/core';
import { registerWasmConvGradients } from '@pes/inner-problems';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  modelTuningTask,
  resolveSearchSpace,
  trainableLayers,
  type SearchSpace,
  type TuningData,
} from '../src/index.js';

// The batched formulation (all particles' Dense networks stacked, one pass per step) against
// the per-particle loop: the same objective values and final weights to float32 tolerance,
// through episode ends and resets, with both inner optimizers; and no tensor left behind.

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  // tfjs's WebAssembly backend has no gradient kernels for convolutions: @pes's.
  registerWasmConvGradients();
});

function data(shape: number[] = [5]): TuningData {
  const [a, b, c, d] = split(makeKey(3), 4) as Key[];
  const size = shape.reduce((x, y) => x * y, 1);
  const labels = (key: Key, n: number) =>
    tf
      .oneHot(
        tf.tensor1d(
          Array.from(normal(key, n), (v) => (v > 0.3 ? 2 : v > -0.3 ? 1 : 0)),
          'int32',
        ),
        3,
      )
      .toFloat();
  return {
    x: tf.tensor(Float32Array.from(normal(a!, 64 * size)), [64, ...shape]),
    y: labels(b!, 64),
    validationX: tf.tensor(Float32Array.from(normal(c!, 32 * size)), [32, ...shape]),
    validationY: labels(d!, 32),
  };
}

const dense = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [5], units: 7, activation: 'tanh' }),
      tf.layers.dense({ units: 6, activation: 'relu', useBias: false }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });

/** A first convolution (the particles' filters side by side), pooling, a second one per particle. */
const conv = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [9, 9, 2],
        filters: 3,
        kernelSize: 3,
        strides: 2,
        activation: 'relu',
      }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 2, padding: 'same', useBias: false }),
      tf.layers.activation({ activation: 'tanh' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });

const CASES: [string, 'momentum' | 'adam', SearchSpace, 'val-accuracy' | 'val-loss' | 'train-loss', 'dense' | 'conv'][] = [
  ['a Dense stack: momentum, a schedule and weight decay, val-loss', 'momentum', { learningRate: { schedule: 'piecewise-log-linear', initial: 0.05 }, momentum: { range: [0, 0.99], initial: 0.8 }, weightDecay: { range: [1e-5, 1e-2], log: true } }, 'val-loss', 'dense'],
  ['a Dense stack: Adam with per-layer factors, train-loss', 'adam', { learningRate: { range: [1e-4, 1], log: true, initial: 0.01 }, adamBeta1: { range: [0.5, 0.99] }, layerLearningRate: { range: [0.1, 10], log: true } }, 'train-loss', 'dense'],
  ['a Dense stack: momentum, val-accuracy', 'momentum', { learningRate: { range: [1e-4, 1], log: true, initial: 0.1 } }, 'val-accuracy', 'dense'],
  ['a conv net: momentum and per-layer factors, val-loss', 'momentum', { learningRate: { range: [1e-4, 1], log: true, initial: 0.05 }, momentum: { range: [0, 0.99], initial: 0.9 }, layerLearningRate: { range: [0.1, 10], log: true } }, 'val-loss', 'conv'],
  ['a conv net: Adam, train-loss', 'adam', { learningRate: { range: [1e-4, 1], log: true, initial: 0.01 } }, 'train-loss', 'conv'],
]; // prettier-ignore

describe('the batched formulation of model tuning', () => {
  it.each(CASES)(
    '%s: the per-particle loop’s objectives and weights',
    (_, optimizer, given, objective, kind) => {
      const d = data(kind === 'dense' ? [5] : [9, 9, 2]);
      const model = kind === 'dense' ? dense : conv;
      const before = tf.memory().numTensors;
      const run = (formulation: 'per-particle' | 'batched') => {
        const m = model();
        const space = resolveSearchSpace(given, 9, optimizer, trainableLayers(m).names);
        const task = modelTuningTask({
          model: m,
          loss: 'categoricalCrossentropy',
          data: d,
          space,
          objective,
          batchSize: 8,
          formulation,
        });
        const particles = 4;
        // Staggered episodes of 9 steps, unrolls of 5: particles end and restart mid-unroll.
        let state = task.init(makeKey(1), particles, { stepOffsets: Int32Array.of(0, 3, 5, 8) });
        const thetas = new Float64Array(particles * space.dim);
        const theta0 = space.initialTheta();
        const noise = normal(makeKey(2), thetas.length);
        for (let i = 0; i < thetas.length; i++)
          thetas[i] = theta0[i % space.dim]! + 0.2 * noise[i]!;
        const losses: number[] = [];
        const dones: number[] = [];
        for (let u = 0; u < 4; u++) {
          const r = task.unroll(state, thetas, 5, makeKey(10 + u));
          task.dispose!(state);
          state = r.state;
          losses.push(...r.losses);
          dones.push(...r.done);
        }
        const weights = state.params.map((ws) => ws.map((w) => Array.from(w.dataSync())));
        const t = Array.from(state.t);
        task.dispose!(state);
        task.close!();
        return { losses, dones, weights, t };
      };
      const loop = run('per-particle');
      const batched = run('batched');
      expect(batched.dones).toEqual(loop.dones);
      expect(batched.dones.some((x) => x === 1)).toBe(true);
      expect(batched.t).toEqual(loop.t);
      batched.losses.forEach((v, i) => expect(v).toBeCloseTo(loop.losses[i]!, 4));
      batched.weights.flat(2).forEach((v, i) => expect(v).toBeCloseTo(loop.weights.flat(2)[i]!, 4));
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(Object.values(d));
    },
  );

  it('refuses a model with a layer it does not know (Dropout draws randomness), and steps it per particle under auto', () => {
    const d = data();
    const m = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [5], units: 7 }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const space = resolveSearchSpace({ learningRate: { range: [1e-3, 1], log: true } }, 9);
    const options = {
      model: m,
      loss: 'categoricalCrossentropy' as const,
      data: d,
      space,
      objective: 'val-loss' as const,
      batchSize: 8,
    };
    expect(() => modelTuningTask({ ...options, formulation: 'batched' })).toThrow(
      /batched takes a stack of Dense, Conv2D, pooling, Flatten and Activation layers/,
    );
    modelTuningTask(options).close!();
    tf.dispose(Object.values(d));
  });
});
