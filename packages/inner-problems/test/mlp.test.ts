import * as tf from '@tensorflow/tfjs';
import { foldIn, makeKey, normal, persistentEs, type Task } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  constantLearningRateRule,
  imageClassificationTask,
  initialParameters,
  lossAndGradients,
  momentumTensor,
  adamTensor,
  sgdTensor,
  type Activation,
  type Batch,
  type ImageData,
  type MlpState,
} from '../src/index.js';
import { loadImageData } from '../src/node.js';

// Float32 on both sides; the two backward passes sum in different orders.
const GRADIENT_TOLERANCE = 2e-5;

function randomBatch(features: number, classes: number, size: number): Batch {
  const x = tf.tensor2d(Float32Array.from(normal(makeKey(11), size * features)), [size, features]);
  const labels = tf.tensor1d(
    Int32Array.from({ length: size }, (_, i) => (i * 7) % classes),
    'int32',
  );
  return { x, xT: tf.transpose(x), y: tf.oneHot(labels, classes).toFloat() as tf.Tensor2D };
}

describe('hand-written backward pass', () => {
  it.each<Activation>(['relu', 'tanh', 'sigmoid'])('matches tf.grad for %s', (activation) => {
    const architecture = [6, 5, 4, 3];
    const params = initialParameters(makeKey(3), architecture, activation);
    const biased = params.map((p, i) => (i % 2 === 1 ? tf.add(p, 0.1) : p));
    const batch = randomBatch(6, 3, 7);
    const ours = tf.tidy(() => {
      const { loss, grads } = lossAndGradients(biased, batch, activation);
      return [loss, ...grads];
    });
    const reference = tf.tidy(() => {
      const f = (...ps: tf.Tensor[]) => lossAndGradients(ps, batch, activation).loss;
      const { value, grads } = tf.valueAndGrads(f)(biased);
      return [value, ...grads];
    });
    ours.forEach((t, i) => {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(t, reference[i]!))).dataSync()[0]!);
      expect(diff, `tensor ${i}`).toBeLessThan(GRADIENT_TOLERANCE);
    });
    tf.dispose([...ours, ...reference, ...params, ...biased, batch.x, batch.xT, batch.y]);
  });
});

describe('particle-batched MLP task on embedded MNIST', () => {
  const data: ImageData = loadImageData({ dataset: 'mnist' });
  const small = (
    horizon: number,
    objective: 'train-loss' | 'val-loss' | 'val-accuracy' = 'train-loss',
  ) =>
    imageClassificationTask({
      name: 'mnist-small',
      data,
      architecture: [784, 16, 10],
      activation: 'relu',
      batchSize: 8,
      horizon,
      rule: constantLearningRateRule(momentumTensor(0.9), 0.01),
      objective,
    });

  it('leaks no tensor over 1,000 steps with episode resets, resets and gathers', () => {
    const task = small(30);
    const thetas = Float64Array.of(Math.log(0.05), Math.log(0.02));
    let state: MlpState = task.init(makeKey(0), 2, { stepOffsets: Int32Array.of(0, 17) });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      const r = task.unroll(state, thetas, 10, foldIn(makeKey(1), i));
      task.dispose!(state);
      state = r.state;
      if (i % 25 === 24) {
        const reset = task.reset(state, Uint8Array.of(1, 0), makeKey(i));
        task.dispose!(state);
        const gathered = task.gather(reset, Int32Array.of(1, 0));
        task.dispose!(reset);
        state = gathered;
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    task.dispose!(state);
  });

  it('trains: the loss of the minibatches falls, and episodes end at the horizon', () => {
    const task = small(200);
    const state = task.init(makeKey(0), 1);
    const r = task.unroll(state, Float64Array.of(Math.log(0.01)), 200, makeKey(2));
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(r.losses.subarray(150, 200))).toBeLessThan(0.6 * mean(r.losses.subarray(0, 20)));
    expect(r.done[199]).toBe(1);
    expect(r.state.t[0]).toBe(0);
    task.dispose!(state);
    task.dispose!(r.state);
  });

  it('each particle follows its own θ; the same key gives the same losses', () => {
    const task = small(100);
    const state = task.init(makeKey(0), 2);
    const thetas = Float64Array.of(Math.log(0.05), Math.log(1e-6));
    const a = task.unroll(state, thetas, 20, makeKey(3));
    const b = task.unroll(state, thetas, 20, makeKey(3));
    expect(Array.from(a.losses)).toEqual(Array.from(b.losses));
    expect(a.losses[19]!).toBeLessThan(a.losses[39]!); // the tiny learning rate barely moves
    for (const s of [state, a.state, b.state]) task.dispose!(s);
  });

  it('reports held-out loss or minus accuracy on request, and full-run figures from evaluate', () => {
    const task = small(150, 'val-accuracy');
    const state = task.init(makeKey(0), 1);
    const r = task.unroll(state, Float64Array.of(Math.log(0.05)), 5, makeKey(4));
    expect(r.losses.every((l) => l <= 0 && l >= -1)).toBe(true);
    const before = tf.memory().numTensors;
    const e = task.evaluate(Float64Array.of(Math.log(0.01)), makeKey(5));
    expect(tf.memory().numTensors).toBe(before);
    expect(e.valAccuracy).toBeGreaterThan(0.5);
    expect(e.valLoss).toBeGreaterThan(0);
    task.dispose!(state);
    task.dispose!(r.state);
  });

  it('snapshot → restore gives a state that continues identically', () => {
    const task = small(100);
    const state = task.unroll(
      task.init(makeKey(0), 2),
      Float64Array.of(-3, -4),
      5,
      makeKey(6),
    ).state;
    const copy = task.restore!(task.snapshot!(state));
    const a = task.unroll(state, Float64Array.of(-3, -4), 5, makeKey(7));
    const b = task.unroll(copy, Float64Array.of(-3, -4), 5, makeKey(7));
    expect(Array.from(b.losses)).toEqual(Array.from(a.losses));
    for (const s of [state, copy, a.state, b.state]) task.dispose!(s);
  });

  it('works under PES: finite estimates, no leaks across estimates', () => {
    const task = small(40) as unknown as Task;
    const pes = persistentEs(task, { particles: 4, sigma: 0.1, unrollLength: 5 });
    const theta = Float64Array.of(Math.log(0.05));
    let state = pes.init(theta, makeKey(0));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      const r = pes.estimate(theta, state, foldIn(makeKey(8), i));
      expect(r.grad.every(Number.isFinite)).toBe(true);
      pes.dispose(state);
      state = r.state;
    }
    expect(tf.memory().numTensors).toBe(before);
    pes.dispose(state);
  });
});

describe('tensor optimizers', () => {
  it.each([
    ['sgd', sgdTensor()],
    ['momentum', momentumTensor(0.9)],
    ['adam', adamTensor()],
  ])('%s minimises a parabola without leaking', (_name, optimizer) => {
    let params: tf.Tensor[] = [tf.tensor1d([3, -2])];
    let state = optimizer.init(params);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 300; i++) {
      const next = tf.tidy(() => optimizer.update([tf.mul(params[0]!, 2)], state, params, 0.05));
      tf.dispose([...params, ...state]);
      params = next.params;
      state = next.state;
    }
    expect(tf.memory().numTensors).toBe(before);
    const [x, y] = params[0]!.dataSync();
    expect(Math.abs(x!) + Math.abs(y!)).toBeLessThan(0.05);
    tf.dispose([...params, ...state]);
  });
});
