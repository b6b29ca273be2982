import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { expect } from 'vitest';
import { toBatch, type Batch, type Classifier } from '../src/index.js';

/** A random minibatch of flat records (channel planes), labels cycling through 10 classes. */
export function batchOf(seed: number, count: number, features: number): Batch {
  const x = Float32Array.from(normal(makeKey(seed), count * features));
  const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
  return toBatch(x, labels, features, 10);
}

/**
 * A classifier's autodiff gradient against central differences in float32, at the first, middle
 * and last entry of every parameter tensor. Disposes what it makes; the caller owns `params`.
 */
export function expectCentralDifferences(net: Classifier, params: tf.Tensor[], batch: Batch): void {
  const { grads } = tf.tidy(() => net.lossAndGradients(params, batch));
  const lossAt = (ps: tf.Tensor[]) => tf.tidy(() => net.evaluate(ps, batch).loss.dataSync()[0]!);
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
  tf.dispose(grads);
}
