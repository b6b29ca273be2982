import * as tf from '@tensorflow/tfjs';
import {
  NORMALIZED_MOMENTUM_DECAYS,
  RELATIVE_EPSILON,
  SECOND_MOMENT_DECAY,
  TINY,
} from './normalized-layout.js';

/**
 * How a parameter tensor is stepped: 'factored' (rank ≥ 2: Adafactor's row and column second
 * moments over [size / last, last]), 'full' (rank ≤ 1: its own second moment), 'adam' (rank ≤ 1
 * handed to Adam).
 */
export type ParameterKind = 'factored' | 'full' | 'adam';

/** [rows, columns] of a tensor factored over its last axis. */
function factoredShape(p: tf.Tensor): [number, number] {
  const columns = p.shape[p.rank - 1]!;
  return [p.size / columns, columns];
}

/**
 * A tensor's fresh state: three momenta ([n, 1]: a restored state's first tensor has as many rows as
 * its variable has numbers, which `LearnedTfOptimizer` checks), then the row and column mean squares
 * ([rows, 1], [1, columns]) or the full second moment ([n, 1]); Adam's own for 'adam'.
 */
export function stateTensorsOf(kind: ParameterKind, p: tf.Tensor): tf.Tensor[] {
  const n = p.size;
  if (kind === 'adam') return [tf.zerosLike(p), tf.zerosLike(p), tf.scalar(0)];
  const momenta = NORMALIZED_MOMENTUM_DECAYS.map(() => tf.zeros([n, 1]));
  if (kind === 'full') return [...momenta, tf.zeros([n, 1])];
  const [rows, columns] = factoredShape(p);
  return [...momenta, tf.zeros([rows, 1]), tf.zeros([1, columns])];
}

/**
 * The next state from the gradient, and the nine per-parameter features (unnormalised, each
 * [n, 1]; normalized-lopt.ts divides each by its RMS over the tensor). No bias correction: it
 * would read the step count, and every feature is divided by its RMS anyway, which undoes a
 * common scale.
 */
export function secondMomentOf(
  kind: 'factored' | 'full',
  gradient: tf.Tensor,
  state: readonly tf.Tensor[],
): { features: tf.Tensor2D[]; state: tf.Tensor[] } {
  const n = gradient.size;
  const g = tf.reshape(gradient, [n, 1]) as tf.Tensor2D;
  const momenta = NORMALIZED_MOMENTUM_DECAYS.map(
    (d, k) => tf.add(tf.mul(state[k]!, d), tf.mul(g, 1 - d)) as tf.Tensor2D,
  );
  const b2 = SECOND_MOMENT_DECAY;
  const m = NORMALIZED_MOMENTUM_DECAYS.length;
  let secondMoment: tf.Tensor2D;
  let moments: tf.Tensor[];
  if (kind === 'full') {
    const v = tf.add(tf.mul(state[m]!, b2), tf.mul(tf.square(g), 1 - b2)) as tf.Tensor2D;
    moments = [v];
    secondMoment = v;
  } else {
    const [rows, columns] = factoredShape(gradient);
    const squares = tf.square(tf.reshape(gradient, [rows, columns]));
    const row = tf.add(tf.mul(state[m]!, b2), tf.mul(tf.mean(squares, 1, true), 1 - b2));
    const column = tf.add(tf.mul(state[m + 1]!, b2), tf.mul(tf.mean(squares, 0, true), 1 - b2));
    moments = [row, column];
    // Adafactor's v̂ = R·C / mean(R): rank one, n numbers from rows + columns of state.
    const outer = tf.matMul(row as tf.Tensor2D, column as tf.Tensor2D);
    secondMoment = tf.reshape(tf.div(outer, tf.add(tf.mean(row), TINY)), [n, 1]);
  }
  const floor = tf.add(tf.mul(tf.mean(secondMoment), RELATIVE_EPSILON), TINY);
  const preconditioner = tf.rsqrt(tf.add(secondMoment, floor));
  const precondition = (x: tf.Tensor2D) => tf.mul(x, preconditioner) as tf.Tensor2D;
  return {
    features: [
      g,
      ...momenta,
      precondition(g),
      ...momenta.map(precondition),
      tf.sqrt(secondMoment) as tf.Tensor2D,
    ],
    state: [...momenta, ...moments],
  };
}
