import * as tf from '@tensorflow/tfjs';
import { foldIn, makeKey, normal, persistentEs, type Key, type Task } from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adamTensor,
  batchedLossAndGradients,
  constantLearningRateRule,
  imageClassificationTask,
  initialParameters,
  innerUpdateRule,
  lossAndGradients,
  momentumTensor,
  resolveFormulation,
  stackParticles,
  unstackParticles,
  type Batch,
  type Formulation,
  type ImageData,
  type InnerUpdateRule,
  type MlpState,
  type Objective,
} from '../src/index.js';
import { loadImageData } from '../src/node/index.js';

/**
 * Both formulations compute the same float32 operations, except that a batched matMul and a
 * per-particle sum over [batch, classes] add their terms in another order than N plain matMuls
 * and N whole-tensor sums (784-term dot products): each result moves by a few ulps, and a few
 * inner steps carry that along. Measured on wasm (XNNPACK for the plain matMuls, its own kernel
 * for the batched ones): 1.3e-6 relative on losses, 6e-7 absolute on parameters and momenta,
 * 2e-7 on θ after 4 PES iterations; on cpu, 0 (both run the same loops). The tolerances leave a
 * factor of 15–50 for other kernels, while a real difference (another minibatch, θ row or
 * reset) moves the losses by 1e-2 or more (the power test below: 0.57).
 */
const LOSS_RELATIVE_TOLERANCE = 2e-5;
const PARAMETER_TOLERANCE = 1e-5;
const THETA_TOLERANCE = 1e-5;

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  }
  return worst;
}

function maxTensorDifference(a: readonly tf.Tensor[][], b: readonly tf.Tensor[][]): number {
  let worst = 0;
  a.forEach((ps, p) =>
    ps.forEach((t, i) => {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[p]![i]!))).dataSync()[0]!);
      worst = Math.max(worst, d);
    }),
  );
  return worst;
}

const data: ImageData = loadImageData({ dataset: 'mnist' });

function tinyTask(
  formulation: Formulation | undefined,
  rule: InnerUpdateRule = constantLearningRateRule(momentumTensor(0.9), 0.01),
  objective: Objective = 'train-loss',
) {
  return imageClassificationTask({
    name: 'mnist-tiny',
    data,
    architecture: [784, 8, 10],
    activation: 'relu',
    batchSize: 8,
    // Short episodes: resets fall inside unrolls, at other steps for each particle.
    horizon: 7,
    rule,
    objective,
    ...(formulation ? { formulation } : {}),
  });
}

/** Unrolls of 5 steps from staggered particles, with a reset and a gather between. */
function trajectory(task: ReturnType<typeof tinyTask>, thetas: Float64Array) {
  const particles = thetas.length / task.dim;
  let state: MlpState = task.init(makeKey(0), particles, {
    stepOffsets: Int32Array.from({ length: particles }, (_, p) => 2 * p),
  });
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  const done: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = task.unroll(state, thetas, 5, foldIn(makeKey(1), i));
    task.dispose!(state);
    state = r.state;
    losses.push(...r.losses);
    done.push(...r.done);
    if (i === 1) {
      const mask = Uint8Array.from({ length: particles }, (_, p) => (p === 1 ? 1 : 0));
      const reset = task.reset(state, mask, makeKey(9));
      task.dispose!(state);
      state = task.gather(
        reset,
        Int32Array.from({ length: particles }, (_, p) => particles - 1 - p),
      );
      task.dispose!(reset);
    }
  }
  const leaked = tf.memory().numTensors - before;
  return { losses, done, t: Array.from(state.t), state, leaked };
}

describe('resolveFormulation', () => {
  it('keeps the per-particle loop on wasm and cpu, batches on tfjs-node, WebGL and WebGPU', () => {
    expect(resolveFormulation('auto', 'wasm')).toBe('per-particle');
    expect(resolveFormulation('auto', 'cpu')).toBe('per-particle');
    expect(resolveFormulation(undefined, 'wasm')).toBe('per-particle');
    for (const backend of ['tensorflow', 'webgl', 'webgpu'])
      expect(resolveFormulation('auto', backend)).toBe('batched');
    expect(resolveFormulation('batched', 'wasm')).toBe('batched');
    expect(resolveFormulation('per-particle', 'webgl')).toBe('per-particle');
  });
});

describe.each(['cpu', 'wasm'])('batched formulation on the %s backend', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('stack → unstack gives back every particle’s tensors', () => {
    const perParticle = [0, 1, 2].map((p) => [
      tf.tensor2d([p, 1, 2, 3], [2, 2]),
      tf.tensor1d([p, -1]),
      tf.scalar(p),
    ]);
    const stacked = stackParticles(perParticle);
    expect(stacked.map((s) => s.shape)).toEqual([
      [3, 2, 2],
      [3, 1, 2],
      [3, 1, 1],
    ]);
    const back = unstackParticles(stacked, [[2, 2], [2], []], 3);
    expect(maxTensorDifference(back, perParticle)).toBe(0);
    expect(back[2]![2]!.shape).toEqual([]);
    tf.dispose([...perParticle.flat(), ...stacked, ...back.flat()]);
  });

  it('gives each particle the loss and gradients of its own network', () => {
    const architecture = [784, 8, 10];
    const perParticle = [0, 1, 2].map((p) => initialParameters(makeKey(p), architecture, 'relu'));
    const x = tf.tensor2d(Float32Array.from(normal(makeKey(5), 8 * 784)), [8, 784]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10).toFloat();
    const batch: Batch = { x, xT: tf.transpose(x), y: y as tf.Tensor2D };
    const stacked = stackParticles(perParticle);
    const reference = perParticle.map((ps) => tf.tidy(() => lossAndGradients(ps, batch, 'relu')));
    const before = tf.memory().numTensors;
    const ours = tf.tidy(() => {
      const r = batchedLossAndGradients(stacked, batch, 'relu');
      return { loss: r.loss, grads: unstackParticles(r.grads, [[784, 8], [8], [8, 10], [10]], 3) };
    });
    const lossDiff = maxRelativeDifference(
      ours.loss.dataSync(),
      reference.map((r) => r.loss.dataSync()[0]!),
    );
    expect(lossDiff).toBeLessThan(LOSS_RELATIVE_TOLERANCE);
    const gradDiff = maxTensorDifference(
      ours.grads,
      reference.map((r) => r.grads),
    );
    expect(gradDiff).toBeLessThan(PARAMETER_TOLERANCE);
    // The particles differ: a batched pass that mixed them up would not pass the checks above.
    expect(
      Math.abs(reference[0]!.loss.dataSync()[0]! - reference[1]!.loss.dataSync()[0]!),
    ).toBeGreaterThan(1e-3);
    tf.dispose([ours.loss, ...ours.grads.flat()]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...perParticle.flat(), ...stacked, x, y, batch.xT]);
    for (const r of reference) tf.dispose([r.loss, ...r.grads]);
  });

  const rules: [string, () => InnerUpdateRule, Objective][] = [
    [
      'momentum (batched update)',
      () => constantLearningRateRule(momentumTensor(0.9), 0.01),
      'train-loss',
    ],
    [
      'adam (batched update), val-loss',
      () => constantLearningRateRule(adamTensor(), 0.01),
      'val-loss',
    ],
    [
      // As the learned optimizer: a rule without a batched update, stepped on slices.
      'a rule without a batched update',
      () =>
        innerUpdateRule(
          {
            name: 'momentum by θ',
            dim: 1,
            optimizer: (theta) => momentumTensor(0.9).withLearningRate(Math.exp(theta[0]!)),
          },
          [Math.log(0.01)],
        ),
      'train-loss',
    ],
  ];

  it.each(rules)(
    '%s: the same losses, resets and networks as the per-particle loop, and no leak',
    (_name, rule, objective) => {
      const thetas = Float64Array.of(Math.log(0.05), Math.log(0.01), Math.log(0.2));
      const loop = trajectory(tinyTask('per-particle', rule(), objective), thetas);
      const batched = trajectory(tinyTask('batched', rule(), objective), thetas);
      expect(loop.leaked).toBe(0);
      expect(batched.leaked).toBe(0);
      expect(batched.done).toEqual(loop.done);
      expect(batched.t).toEqual(loop.t);
      expect(loop.done.filter((d) => d === 1).length).toBeGreaterThan(3);
      expect(maxRelativeDifference(batched.losses, loop.losses)).toBeLessThan(
        LOSS_RELATIVE_TOLERANCE,
      );
      expect(maxTensorDifference(batched.state.params, loop.state.params)).toBeLessThan(
        PARAMETER_TOLERANCE,
      );
      expect(maxTensorDifference(batched.state.optimizer, loop.state.optimizer)).toBeLessThan(
        PARAMETER_TOLERANCE,
      );
      const task = tinyTask(undefined);
      task.dispose!(loop.state);
      task.dispose!(batched.state);
    },
  );

  it('hands over states between the formulations, and evaluates in both', () => {
    const thetas = Float64Array.of(Math.log(0.05), Math.log(0.01));
    const batchedTask = tinyTask('batched');
    const loopTask = tinyTask('per-particle');
    const before = tf.memory().numTensors;
    const start = loopTask.init(makeKey(0), 2);
    const viaBatched = batchedTask.unroll(start, thetas, 3, makeKey(1));
    const thenLoop = loopTask.unroll(viaBatched.state, thetas, 3, makeKey(2));
    const viaLoop = loopTask.unroll(start, thetas, 3, makeKey(1));
    const thenBatched = batchedTask.unroll(viaLoop.state, thetas, 3, makeKey(2));
    expect(maxRelativeDifference(thenLoop.losses, thenBatched.losses)).toBeLessThan(
      LOSS_RELATIVE_TOLERANCE,
    );
    for (const r of [viaBatched, thenLoop, viaLoop, thenBatched]) loopTask.dispose!(r.state);
    loopTask.dispose!(start);
    expect(tf.memory().numTensors).toBe(before);
    const [a, b] = [batchedTask, loopTask].map((task) =>
      task.evaluate(Float64Array.of(Math.log(0.05)), makeKey(3)),
    );
    expect(Math.abs(a!.evalLoss - b!.evalLoss) / b!.evalLoss).toBeLessThan(LOSS_RELATIVE_TOLERANCE);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails the comparison when a particle steps with another θ row (the test has power)', () => {
    const thetas = Float64Array.of(Math.log(0.05), Math.log(0.01), Math.log(0.2));
    const swapped = Float64Array.of(Math.log(0.01), Math.log(0.05), Math.log(0.2));
    const loop = trajectory(tinyTask('per-particle'), thetas);
    const batched = trajectory(tinyTask('batched'), swapped);
    expect(maxRelativeDifference(batched.losses, loop.losses)).toBeGreaterThan(
      100 * LOSS_RELATIVE_TOLERANCE,
    );
    const task = tinyTask(undefined);
    task.dispose!(loop.state);
    task.dispose!(batched.state);
  });

  it('meta-trains to the same θ: PES with plain gradient descent over a few iterations', () => {
    const metaTrain = (formulation: Formulation) => {
      const task = tinyTask(formulation) as unknown as Task;
      const pes = persistentEs(task, { particles: 4, sigma: 0.1, unrollLength: 5 });
      const theta = Float64Array.of(Math.log(0.05));
      let state = pes.init(theta, makeKey(0));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) {
        const r = pes.estimate(theta, state, foldIn(makeKey(8), i) as Key);
        pes.dispose(state);
        state = r.state;
        theta[0]! -= 0.1 * r.grad[0]!;
      }
      const leaked = tf.memory().numTensors - before;
      pes.dispose(state);
      return { theta: theta[0]!, leaked };
    };
    const loop = metaTrain('per-particle');
    const batched = metaTrain('batched');
    expect(loop.leaked).toBe(0);
    expect(batched.leaked).toBe(0);
    expect(loop.theta).not.toBe(Math.log(0.05));
    expect(Math.abs(batched.theta - loop.theta)).toBeLessThan(THETA_TOLERANCE);
  });
});

describe('the default formulation on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('is the per-particle loop, bit for bit', () => {
    const thetas = Float64Array.of(Math.log(0.05), Math.log(0.01));
    const auto = trajectory(tinyTask(undefined), thetas);
    const loop = trajectory(tinyTask('per-particle'), thetas);
    expect(auto.losses).toEqual(loop.losses);
    expect(maxTensorDifference(auto.state.params, loop.state.params)).toBe(0);
    const task = tinyTask(undefined);
    task.dispose!(auto.state);
    task.dispose!(loop.state);
  });
});
