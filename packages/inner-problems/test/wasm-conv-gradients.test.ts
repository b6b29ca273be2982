import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { im2colTransposed, registerWasmConvGradients, timeConvTrainingStep } from '../src/index.js';

/**
 * Largest |wasm − cpu| allowed, relative to the largest |cpu| gradient: the two sum the same
 * products (up to a few hundred here) in other orders, which in float32 (ε ≈ 1.2e-7) moves a
 * sum by well under 1e-5 of its terms' scale; a wrong index moves it by order 1.
 */
const FLOAT32_TOLERANCE = 1e-5;

/** The backend's own kernel, taken before this file registers ours. */
const WASM_OWN_MAX_POOL_GRAD = tf.getKernel('MaxPoolGrad', 'wasm')!;

type Pad = 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const CASES: Case[] = [
  { x: [2, 7, 7, 1], filter: [3, 3, 1, 4], strides: 1, pad: 'valid' },
  { x: [2, 8, 9, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { x: [1, 9, 7, 2], filter: [2, 4, 2, 3], strides: [2, 1], pad: 'valid' },
  { x: [3, 6, 6, 4], filter: [5, 5, 4, 2], strides: 1, pad: 2 },
  {
    x: [2, 10, 10, 3],
    filter: [3, 3, 3, 8],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 1],
      [0, 0],
    ],
  },
  { x: [4, 5, 5, 6], filter: [1, 1, 6, 3], strides: 3, pad: 'same' },
  { x: [2, 28, 28, 1], filter: [5, 5, 1, 16], strides: 1, pad: 'same' },
];

/** Filters [fh, fw, inC, M]: channel multiplier M = 1, 2 or 3, every stride and padding kind. */
const DEPTHWISE_CASES: Case[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'valid' },
  { x: [2, 8, 9, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { x: [1, 9, 7, 2], filter: [2, 4, 2, 3], strides: [2, 1], pad: 'valid' },
  { x: [3, 6, 6, 4], filter: [5, 5, 4, 2], strides: 1, pad: 2 },
  {
    x: [2, 10, 10, 3],
    filter: [3, 3, 3, 2],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 1],
      [0, 0],
    ],
  },
  { x: [4, 5, 5, 6], filter: [1, 1, 6, 1], strides: 3, pad: 'same' },
  { x: [2, 28, 28, 4], filter: [5, 5, 4, 2], strides: 1, pad: 'same' },
];

function values(seed: number, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, n) => a * n, 1);
  return tf.tensor(Float32Array.from(normal(makeKey(seed), size)), shape);
}

/** ∂/∂x and ∂/∂filter of Σ r ⊙ conv2d(x, filter) (r random, so dy is not all ones) on a backend. */
async function convGradients(backend: string, c: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = values(1, c.x);
    const w = values(2, c.filter);
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad);
    const r = values(3, y.shape);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r));
    return tf
      .grads(f)([x, w])
      .map((g) => g.dataSync() as Float32Array);
  });
}

/** ∂/∂x and ∂/∂filter of Σ r ⊙ depthwiseConv2d(x, filter) on a backend. */
async function depthwiseGradients(backend: string, c: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = values(6, c.x);
    const w = values(7, c.filter);
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
    const r = values(8, conv(x, w).shape);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), r));
    return tf
      .grads(f)([x, w])
      .map((g) => g.dataSync() as Float32Array);
  });
}

/** ∂/∂x of Σ r ⊙ pool(x) for max and average pooling. */
async function poolGradients(backend: string, c: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const pad = typeof c.pad === 'string' ? c.pad : 'valid';
  return tf.tidy(() => {
    const x = values(4, c.x) as tf.Tensor4D;
    const size: [number, number] = [c.filter[0], c.filter[1]];
    return [tf.maxPool, tf.avgPool].map((pool) => {
      const r = values(5, pool(x, size, c.strides, pad).shape);
      const f = (a: tf.Tensor) => tf.sum(tf.mul(pool(a as tf.Tensor4D, size, c.strides, pad), r));
      return tf.grad(f)(x).dataSync() as Float32Array;
    });
  });
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 0;
  let error = 0;
  expected.forEach((e, i) => {
    scale = Math.max(scale, Math.abs(e));
    error = Math.max(error, Math.abs(actual[i]! - e));
  });
  return error / scale;
}

const describeCase = (c: Case) =>
  `x ${c.x.join('×')}, filter ${c.filter.join('×')}, strides ${JSON.stringify(c.strides)}, pad ${JSON.stringify(c.pad)}`;

describe('conv and pooling gradients on WebAssembly equal the cpu backend’s', () => {
  beforeAll(() => {
    registerWasmConvGradients();
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(CASES.map((c) => [describeCase(c), c] as const))('conv2d, %s', async (_name, c) => {
    const cpu = await convGradients('cpu', c);
    const wasm = await convGradients('wasm', c);
    expect(wasm.map((g) => g.length)).toEqual(cpu.map((g) => g.length));
    for (const [i, g] of wasm.entries())
      expect(relativeError(g, cpu[i]!)).toBeLessThan(FLOAT32_TOLERANCE);
  });

  it.each(CASES.map((c) => [describeCase(c), c] as const))(
    'maxPool and avgPool, %s',
    async (_name, c) => {
      const cpu = await poolGradients('cpu', c);
      const wasm = await poolGradients('wasm', c);
      for (const [i, g] of wasm.entries())
        expect(relativeError(g, cpu[i]!)).toBeLessThan(FLOAT32_TOLERANCE);
    },
  );

  it.each(DEPTHWISE_CASES.map((c) => [describeCase(c), c] as const))(
    'depthwiseConv2d, %s',
    async (_name, c) => {
      const cpu = await depthwiseGradients('cpu', c);
      const wasm = await depthwiseGradients('wasm', c);
      expect(wasm.map((g) => g.length)).toEqual(cpu.map((g) => g.length));
      for (const [i, g] of wasm.entries())
        expect(relativeError(g, cpu[i]!)).toBeLessThan(FLOAT32_TOLERANCE);
    },
  );

  it('the depthwise gradients leak neither tensors nor wasm buffers', async () => {
    await tf.setBackend('wasm');
    const backend = tf.engine().backend;
    const [tensors, buffers] = [tf.memory().numTensors, backend.numDataIds()];
    await depthwiseGradients('wasm', DEPTHWISE_CASES[1]!);
    expect([tf.memory().numTensors, backend.numDataIds()]).toEqual([tensors, buffers]);
  });

  it('the filter gradient leaks neither tensors nor wasm buffers', async () => {
    await tf.setBackend('wasm');
    const backend = tf.engine().backend;
    const [tensors, buffers] = [tf.memory().numTensors, backend.numDataIds()];
    await convGradients('wasm', CASES[1]!);
    expect([tf.memory().numTensors, backend.numDataIds()]).toEqual([tensors, buffers]);
  });
});

describe('registering the wasm gradient kernels', () => {
  it('is needed (tfjs-backend-wasm has no Conv2DBackpropFilter) and idempotent', async () => {
    await tf.setBackend('wasm');
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    await expect(convGradients('wasm', CASES[0]!)).rejects.toThrow(/Conv2DBackpropFilter/);
    expect(registerWasmConvGradients()).toEqual(['Conv2DBackpropFilter']); // MaxPoolGrad: still ours
    expect(registerWasmConvGradients()).toEqual([]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    await expect(convGradients('wasm', CASES[0]!)).resolves.toHaveLength(2);
  });
});

describe('registering the wasm depthwise gradient kernels', () => {
  const NAMES = ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'];

  it('is needed (tfjs-backend-wasm has neither) and idempotent', async () => {
    await tf.setBackend('wasm');
    for (const name of NAMES) tf.unregisterKernel(name, 'wasm');
    await expect(depthwiseGradients('wasm', DEPTHWISE_CASES[0]!)).rejects.toThrow(
      /DepthwiseConv2dNativeBackprop/,
    );
    expect(registerWasmConvGradients()).toEqual(NAMES);
    expect(registerWasmConvGradients()).toEqual([]);
    await expect(depthwiseGradients('wasm', DEPTHWISE_CASES[0]!)).resolves.toHaveLength(2);
  });

  it('refuses dilations other than 1 by name', () => {
    registerWasmConvGradients();
    const kernel = tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')!;
    const x = tf.zeros([1, 7, 7, 2]);
    const dy = tf.zeros([1, 3, 3, 2]);
    const run = () =>
      kernel.kernelFunc({
        inputs: { x, dy },
        backend: tf.engine().backend,
        attrs: { strides: 1, pad: 'valid', dilations: 2, filterShape: [3, 3, 2, 1] },
      });
    const buffers = tf.engine().backend.numDataIds();
    expect(run).toThrow(/dilations must be 1/);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
    tf.dispose([x, dy]);
  });
});

describe("tfjs-backend-wasm's own MaxPoolGrad", () => {
  it('is wrong where a window’s maximum is negative, so ours replaces it', async () => {
    // 1×1 windows at stride 3 pick x at (0,0), (0,3), (3,0), (3,3); x(3,0) = −0.5 is negative.
    await tf.setBackend('wasm');
    const x = tf.tensor4d(
      Array.from({ length: 25 }, (_, i) => (i === 15 ? -0.5 : 1)),
      [1, 5, 5, 1],
    );
    const pooled = (a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 1, 3, 'same'));
    const dx = () => Array.from(tf.grad(pooled)(x).dataSync());
    const ours = tf.getKernel('MaxPoolGrad', 'wasm')!;
    expect(ours.kernelFunc).not.toBe(WASM_OWN_MAX_POOL_GRAD.kernelFunc);
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel(WASM_OWN_MAX_POOL_GRAD);
    const theirs = dx();
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel(ours);
    const right = [0, 3, 15, 18];
    expect(theirs[15]).toBe(0);
    expect(dx().flatMap((v, i) => (v !== 0 ? [i] : []))).toEqual(right);
    x.dispose();
  });
});

describe('im2col, transposed', () => {
  it('puts x[n, oy·s − top + fy, ox·s − left + fx, c] at row (fy, fx, c), column (n, oy, ox), 0 in the padding', () => {
    // One 3×3 image of one channel, values 1…9; a 2×2 filter, stride 1, one pixel of padding on top and left.
    const x = Float32Array.from({ length: 9 }, (_, i) => i + 1);
    const geometry = {
      batchSize: 1,
      inHeight: 3,
      inWidth: 3,
      inChannels: 1,
      outHeight: 3,
      outWidth: 3,
      filterHeight: 2,
      filterWidth: 2,
      strideHeight: 1,
      strideWidth: 1,
      dilationHeight: 1,
      dilationWidth: 1,
      padInfo: { top: 1, left: 1 },
    };
    const out = new Float32Array(4 * 9).fill(NaN);
    im2colTransposed(x, geometry, out);
    const rows = [0, 1, 2, 3].map((k) => Array.from(out.subarray(k * 9, k * 9 + 9)));
    expect(rows).toEqual([
      [0, 0, 0, 0, 1, 2, 0, 4, 5], // (fy, fx) = (0, 0): up-left neighbour
      [0, 0, 0, 1, 2, 3, 4, 5, 6], // (0, 1): up
      [0, 1, 2, 0, 4, 5, 0, 7, 8], // (1, 0): left
      [1, 2, 3, 4, 5, 6, 7, 8, 9], // (1, 1): the pixel itself
    ]);
  });
});

describe('a conv training step on WebAssembly', () => {
  it('trains the conv classifier (conv, pooling, dropout, dense) with the kernels registered', async () => {
    await tf.setBackend('wasm');
    registerWasmConvGradients();
    const before = tf.memory().numTensors;
    const timing = await timeConvTrainingStep(4, 2);
    expect(timing.backend).toBe('wasm');
    expect(timing.ms).toHaveLength(2);
    expect(Number.isFinite(timing.loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a separable conv training step on WebAssembly', () => {
  it('trains a tfjs-layers model with a separableConv2d layer: the loss falls, no tensor is left', async () => {
    await tf.setBackend('wasm');
    registerWasmConvGradients();
    const before = tf.memory().numTensors;
    const model = tf.sequential({
      layers: [
        tf.layers.separableConv2d({
          inputShape: [8, 8, 3],
          filters: 4,
          kernelSize: 3,
          depthMultiplier: 2,
          strides: 2,
          padding: 'same',
          activation: 'relu',
          depthwiseInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          pointwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({
          units: 1,
          kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
        }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(1e-2), loss: 'meanSquaredError' });
    const x = values(9, [8, 8, 8, 3]);
    const y = values(10, [8, 1]);
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) losses.push((await model.trainOnBatch(x, y)) as number);
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[4]!).toBeLessThan(losses[0]!);
    expect(tf.memory().numTensors).toBe(before);
  });
});
