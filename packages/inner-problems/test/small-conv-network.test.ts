import * as tf from '@tensorflow/tfjs';
import { makeKey } from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvGradients, smallConvNetwork } from '../src/index.js';
import { batchOf, expectCentralDifferences } from './classifier-checks.js';

/** An 8×8 grey conv net of these filters (ReLU). */
const grey8 = (filters: number[]) =>
  smallConvNetwork({ size: 8, channels: 1, classes: 10, filters, activation: 'relu' });

describe('smallConvNetwork (the task family’s conv nets)', () => {
  beforeAll(() => registerWasmConvGradients());

  it('has a 3×3 kernel and a bias per block, then a dense layer over what the pools leave', () => {
    const net = grey8([4, 6]);
    const params = net.init(makeKey(1));
    expect(params.map((p) => p.shape)).toEqual([
      [3, 3, 1, 4],
      [4],
      [3, 3, 4, 6],
      [6],
      [24, 10],
      [10],
    ]);
    tf.dispose(params);
    expect(() => grey8([4, 4, 4, 4])).toThrow(/4 pooled blocks leave nothing of a 8×8 image/);
    expect(() => grey8([])).toThrow(/filters must be one or more/);
  });

  for (const activation of ['relu', 'tanh'] as const)
    it(`has the gradient of its loss (${activation}): central differences on the cpu backend agree`, async () => {
      await tf.setBackend('cpu');
      const net = smallConvNetwork({
        size: 8,
        channels: 3,
        classes: 10,
        filters: [3, 2],
        activation,
      });
      const params = net.init(makeKey(2));
      const batch = batchOf(3, 4, 192);
      expectCentralDifferences(net, params, batch);
      tf.dispose([...params, batch.x, batch.xT, batch.y]);
    });

  it('gives the cpu backend’s gradients on WebAssembly, with nothing left behind', async () => {
    const net = grey8([4, 4]);
    const gradients = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const params = net.init(makeKey(4));
      const batch = batchOf(5, 6, 64);
      const { loss, grads } = tf.tidy(() => net.lossAndGradients(params, batch));
      const out = { loss: loss.dataSync()[0]!, grads: grads.map((g) => Array.from(g.dataSync())) };
      tf.dispose([loss, ...grads, ...params, batch.x, batch.xT, batch.y]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const cpu = await gradients('cpu');
    const wasm = await gradients('wasm');
    expect(wasm.loss).toBeCloseTo(cpu.loss, 5);
    wasm.grads.forEach((g, i) =>
      g.forEach((v, j) => expect(Math.abs(v - cpu.grads[i]![j]!)).toBeLessThan(1e-5)),
    );
  });
});
