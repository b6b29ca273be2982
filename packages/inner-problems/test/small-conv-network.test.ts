import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmConvGradients, smallConvNetwork, toBatch } from '../src/index.js';

/** A random minibatch of flat records (channel planes), labels cycling through the classes. */
function batchOf(seed: number, count: number, features: number) {
  const x = Float32Array.from(normal(makeKey(seed), count * features));
  const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
  return toBatch(x, labels, features, 10);
}

describe('smallConvNetwork (the task family’s conv nets)', () => {
  beforeAll(() => registerWasmConvGradients());

  it('has a 3×3 kernel and a bias per block, then a dense layer over what the pools leave', () => {
    const net = smallConvNetwork({
      size: 8,
      channels: 1,
      classes: 10,
      filters: [4, 6],
      activation: 'relu',
    });
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
    expect(() =>
      smallConvNetwork({
        size: 8,
        channels: 1,
        classes: 10,
        filters: [4, 4, 4, 4],
        activation: 'relu',
      }),
    ).toThrow(/4 pooled blocks leave nothing of a 8×8 image/);
    expect(() =>
      smallConvNetwork({ size: 8, channels: 1, classes: 10, filters: [], activation: 'relu' }),
    ).toThrow(/filters must be one or more/);
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
      const { grads } = tf.tidy(() => net.lossAndGradients(params, batch));
      const lossAt = (ps: tf.Tensor[]) =>
        tf.tidy(() => net.evaluate(ps, batch).loss.dataSync()[0]!);
      const h = 1e-3;
      for (const [i, p] of params.entries()) {
        const g = grads[i]!.dataSync();
        for (const j of [0, Math.floor(p.size / 2), p.size - 1]) {
          const values = p.dataSync().slice();
          const shifted = (d: number) => {
            const v = values.slice();
            v[j]! += d;
            const ps = params.map((q, k) => (k === i ? tf.tensor(v, q.shape) : q));
            const loss = lossAt(ps);
            ps[i]!.dispose();
            return loss;
          };
          const numeric = (shifted(h) - shifted(-h)) / (2 * h);
          expect(Math.abs(numeric - g[j]!), `parameter ${i}, entry ${j}`).toBeLessThan(
            2e-3 + 0.05 * Math.abs(g[j]!),
          );
        }
      }
      tf.dispose([...params, ...grads, batch.x, batch.xT, batch.y]);
    });

  it('gives the cpu backend’s gradients on WebAssembly, with nothing left behind', async () => {
    const net = smallConvNetwork({
      size: 8,
      channels: 1,
      classes: 10,
      filters: [4, 4],
      activation: 'relu',
    });
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
