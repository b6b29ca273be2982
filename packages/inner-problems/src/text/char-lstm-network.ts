import * as tf from '@tensorflow/tfjs';
import type { Key } from '@pes/core';
import type { Classifier } from '../mlp/classifier.js';
import { drawParameters, logitsClassifier } from '../mlp/logits-classifier.js';

export interface CharLstmNetworkOptions {
  vocabulary: number;
  /** Characters read before each prediction (the records of `charWindows`). */
  window: number;
  embedding?: number;
  hidden?: number;
}

/**
 * A character-level LSTM language model as a classifier over `charWindows` records: it embeds
 * each of the window's characters (a one-hot times the embedding, which trains on every
 * backend), runs one LSTM layer over them from a zero state, and predicts the next character
 * from the last hidden state, under cross-entropy. Parameters are drawn from a key (each matrix
 * scaled by 1/√fan-in; the forget gate's bias at 1); gradients come from tfjs's autodiff through
 * the unrolled window. The gates are ordered input, forget, cell, output.
 */
export function charLstmNetwork(options: CharLstmNetworkOptions): Classifier {
  const { vocabulary: V, window } = options;
  const E = options.embedding ?? 16;
  const H = options.hidden ?? 64;
  const shapes = [[V, E], [E, 4 * H], [H, 4 * H], [4 * H], [H, V], [V]];
  const fanIns = [1, E, H, 0, H, 0];

  const logits = (params: readonly tf.Tensor[], x: tf.Tensor2D) => {
    const [emb, wx, wh, b, wo, bo] = params as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const batch = x.shape[0];
    // The identity normalisation's float arithmetic may leave 39.999…: round, then index.
    const codes = tf.cast(tf.round(x), 'int32');
    let h = tf.zeros([batch, H]) as tf.Tensor2D;
    let c = tf.zeros([batch, H]) as tf.Tensor2D;
    for (let t = 0; t < window; t++) {
      const column = tf.reshape(tf.slice(codes, [0, t], [batch, 1]), [batch]) as tf.Tensor1D;
      const input = tf.matMul(tf.oneHot(column, V).toFloat(), emb);
      const z = tf.add(tf.add(tf.matMul(input, wx), tf.matMul(h, wh)), b);
      const [i, f, g, o] = tf.split(z, 4, 1) as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
      ];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
      h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D;
    }
    return tf.add(tf.matMul(h, wo), bo) as tf.Tensor2D;
  };
  const scales = fanIns.map((f) => (f ? 1 / Math.sqrt(f) : 0));
  return logitsClassifier(
    `char LSTM ${E}-${H}, window ${window}, ${V} characters`,
    // The forget gate's bias at 1: the usual start, so early gradients pass through time.
    (key: Key) => drawParameters(key, shapes, scales, (i, v) => i === 3 && v.fill(1, H, 2 * H)),
    logits,
  );
}
