import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import type { TensorOptimizer } from '@pes/inner-problems';

/**
 * The peak bytes one update of `rule` makes on the way over `count` drawn tensors of [300, 40],
 * above what it keeps (tf.profile; the inputs and state aside). An update that frees each
 * tensor's intermediates before the next tensor's peaks at about one tensor's, whatever `count`.
 */
export async function updatePeakBytes(rule: TensorOptimizer, count: number): Promise<number> {
  const p = Array.from({ length: count }, (_, i) =>
    tf.tensor(Float32Array.from(normal(makeKey(70 + i), 300 * 40)), [300, 40]),
  );
  const g = p.map((x, i) => tf.tensor(Float32Array.from(normal(makeKey(80 + i), x.size)), x.shape));
  const state = rule.init(p);
  const info = await tf.profile(() => tf.tidy(() => rule.update(g, state, p, 0).updates));
  tf.dispose([...p, ...g, ...state, ...(info.result as tf.Tensor[])]);
  return info.peakBytes - info.newBytes;
}
