import * as tf from '@tensorflow/tfjs';
import { foldIn, makeKey, normal, persistentEs, type Task } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  applyTensorUpdates,
  constantLearningRateRule,
  imageClassificationTask,
  initialParameters,
  lossAndGradients,
  momentumTensor,
  adamTensor,
  sgdTensor,
  type Activation,
  type LearningRateFamily,
  type Batch,
  type ImageData,
  type MlpState,
} from '../src/index.js';
import { loadImageData } from '../src/node/index.js';

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

const optimizers: [string, LearningRateFamily][] = [
  ['sgd', sgdTensor()],
  ['momentum', momentumTensor(0.9)],
  ['adam', adamTensor()],
];

describe('tensor optimizers', () => {
  it.each(optimizers)('%s minimises a parabola without leaking', (_name, family) => {
    const optimizer = family.withLearningRate(0.05);
    let params: tf.Tensor[] = [tf.tensor1d([3, -2])];
    let state = optimizer.init(params);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 300; i++) {
      const next = tf.tidy(() => {
        const r = optimizer.update([tf.mul(params[0]!, 2)], state, params, i);
        return { params: applyTensorUpdates(params, r.updates), state: r.state };
      });
      tf.dispose([...params, ...state]);
      params = next.params;
      state = next.state;
    }
    expect(tf.memory().numTensors).toBe(before);
    const [x, y] = params[0]!.dataSync();
    expect(Math.abs(x!) + Math.abs(y!)).toBeLessThan(0.05);
    tf.dispose([...params, ...state]);
  });

  it.each(optimizers)('%s reads a schedule at the step it is given', (_name, family) => {
    const seen: number[] = [];
    const optimizer = family.withLearningRate((step) => {
      seen.push(step);
      return 0.1;
    });
    const params = [tf.tensor1d([1, 2])];
    const state = optimizer.init(params);
    const r = tf.tidy(() => optimizer.update([tf.onesLike(params[0]!)], state, params, 7));
    expect(seen).toEqual([7]);
    tf.dispose([...params, ...state, ...r.updates, ...r.state]);
  });
});

/**
 * Adam as it was written before updates were added: p − (m̂·lr)/(√v̂ + ε), or with the
 * learning rate applied after the division (a change of rounding the tests must see).
 */
function adamSubtracted(lr: number, scaleAfterDivision = false) {
  return (g: tf.Tensor[], s: tf.Tensor[], p: tf.Tensor[]) => {
    const n = p.length;
    const count = tf.add(s[2 * n]!, 1);
    const c1 = tf.sub(1, tf.pow(tf.scalar(0.9), count));
    const c2 = tf.sub(1, tf.pow(tf.scalar(0.999), count));
    const mu = g.map((x, i) => tf.add(tf.mul(s[i]!, 0.9), tf.mul(x, 1 - 0.9)));
    const nu = g.map((x, i) => tf.add(tf.mul(s[n + i]!, 0.999), tf.mul(tf.square(x), 1 - 0.999)));
    const denominator = nu.map((v) => tf.add(tf.sqrt(tf.div(v, c2)), 1e-8));
    const step = mu.map((m, i) =>
      scaleAfterDivision
        ? tf.mul(tf.div(tf.div(m, c1), denominator[i]!), lr)
        : tf.div(tf.mul(tf.div(m, c1), lr), denominator[i]!),
    );
    return { params: p.map((x, i) => tf.sub(x, step[i]!)), state: [...mu, ...nu, count] };
  };
}

/** Each optimizer's step as it was written before updates were added: p − lr·g, p − lr·v, Adam. */
const SUBTRACTED: Record<
  string,
  (lr: number) => (
    g: tf.Tensor[],
    s: tf.Tensor[],
    p: tf.Tensor[],
  ) => {
    params: tf.Tensor[];
    state: tf.Tensor[];
  }
> = {
  sgd: (lr) => (g, s, p) => ({ params: p.map((x, i) => tf.sub(x, tf.mul(g[i]!, lr))), state: [] }),
  momentum: (lr) => (g, s, p) => {
    const v = s.map((x, i) => tf.add(tf.mul(x, 0.9), g[i]!));
    return { params: p.map((x, i) => tf.sub(x, tf.mul(v[i]!, lr))), state: v };
  },
  adam: (lr) => adamSubtracted(lr),
};

const bits = (t: tf.Tensor) =>
  Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe('applyTensorUpdates', () => {
  // A learning rate whose float32 product with most gradients is inexact, so rounding shows.
  const LR = 0.0123;
  const STEPS = 5;

  const run = (
    step: (
      g: tf.Tensor[],
      s: tf.Tensor[],
      p: tf.Tensor[],
      t: number,
    ) => { params: tf.Tensor[]; state: tf.Tensor[] },
    init: (p: tf.Tensor[]) => tf.Tensor[],
  ) => {
    let params: tf.Tensor[] = [tf.tensor1d(Float32Array.from(normal(makeKey(20), 2000)))];
    let state = init(params);
    for (let t = 0; t < STEPS; t++) {
      const next = tf.tidy(() => step([tf.sin(tf.mul(params[0]!, 3))], state, params, t));
      tf.dispose([...params, ...state]);
      params = next.params;
      state = next.state;
    }
    const out = bits(params[0]!);
    tf.dispose([...params, ...state]);
    return out;
  };

  it.each(optimizers)(
    '%s: parameters plus its updates are, to the bit, the parameters minus its step',
    (name, family) => {
      const optimizer = family.withLearningRate(LR);
      const added = run((g, s, p, t) => {
        const r = optimizer.update(g, s, p, t);
        return { params: applyTensorUpdates(p, r.updates), state: r.state };
      }, optimizer.init);
      expect(added).toEqual(run(SUBTRACTED[name]!(LR), optimizer.init));
    },
  );

  it('has the power to see a change of rounding: Adam scaled after its division differs', () => {
    const adam = adamTensor().withLearningRate(LR);
    expect(run(adamSubtracted(LR, true), adam.init)).not.toEqual(
      run(adamSubtracted(LR), adam.init),
    );
  });
});
