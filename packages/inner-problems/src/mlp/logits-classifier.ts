import * as tf from '@tensorflow/tfjs';
import { normal, type Key } from '@pes/core';
import type { Classifier } from './classifier.js';

/**
 * Parameter tensors of `shapes` from one draw of `key`: tensor i is its slice of the draw times
 * `scales[i]` (0: zeros), then `adjust(i, values)` for a start that is not a scaled normal (an
 * LSTM's forget-gate bias).
 */
export function drawParameters(
  key: Key,
  shapes: readonly (readonly number[])[],
  scales: readonly number[],
  adjust: (index: number, values: Float32Array) => void = () => undefined,
): tf.Tensor[] {
  const sizes = shapes.map((s) => s.reduce((a, d) => a * d, 1));
  const z = normal(
    key,
    sizes.reduce((a, n) => a + n, 0),
  );
  let at = 0;
  return shapes.map((shape, i) => {
    const values = Float32Array.from(z.subarray(at, at + sizes[i]!), (v) => v * scales[i]!);
    at += sizes[i]!;
    adjust(i, values);
    return tf.tensor(values, [...shape]);
  });
}

/**
 * A classifier from its logits: mean softmax cross-entropy against the one-hot labels, its
 * gradients by tfjs's autodiff, and the accuracy of the arg-max.
 */
export function logitsClassifier(
  description: string,
  init: (key: Key) => tf.Tensor[],
  logits: (params: readonly tf.Tensor[], x: tf.Tensor2D) => tf.Tensor2D,
): Classifier {
  const lossOf = (a: tf.Tensor2D, y: tf.Tensor2D) =>
    tf.neg(tf.div(tf.sum(tf.mul(y, tf.logSoftmax(a))), y.shape[0])) as tf.Scalar;
  return {
    description,
    init,
    lossAndGradients(params, batch) {
      const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) =>
        lossOf(logits(ps, batch.x), batch.y),
      )([...params]);
      return { loss: value as tf.Scalar, grads };
    },
    evaluate(params, batch) {
      const a = logits(params, batch.x);
      const accuracy = tf.mean(
        tf.cast(tf.equal(tf.argMax(a, 1), tf.argMax(batch.y, 1)), 'float32'),
      ) as tf.Scalar;
      return { loss: lossOf(a, batch.y), accuracy };
    },
  };
}
