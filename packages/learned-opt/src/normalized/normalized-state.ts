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

const MOMENTA = NORMALIZED_MOMENTUM_DECAYS.length;

/** [rows, columns] of a tensor factored over its last axis. */
function factoredShape(p: tf.Tensor): [number, number] {
  const columns = p.shape[p.rank - 1]!;
  return [p.size / columns, columns];
}

/**
 * A tensor's fresh state: its three momenta, one after another in memory, under the shape
 * [n, 3] (a reshape of [3, n], not a transpose: the first dimension is the variable's size,
 * which `LearnedTfOptimizer` checks a restored state against); then the row and column mean
 * squares ([rows, 1], [1, columns]) or the full second moment ([1, n]). Adam's own for 'adam'.
 */
export function stateTensorsOf(kind: ParameterKind, p: tf.Tensor): tf.Tensor[] {
  const n = p.size;
  if (kind === 'adam') return [tf.zerosLike(p), tf.zerosLike(p), tf.scalar(0)];
  const momenta = tf.zeros([n, MOMENTA]);
  if (kind === 'full') return [momenta, tf.zeros([1, n])];
  const [rows, columns] = factoredShape(p);
  return [momenta, tf.zeros([rows, 1]), tf.zeros([1, columns])];
}

/**
 * The next state from the gradient, and the nine per-parameter features as the rows of one
 * [9, n] matrix (unnormalised; normalized-lopt.ts divides each row by its RMS). Rows, not
 * columns: stacking along the first axis is a contiguous copy, where the last axis is copied
 * element by element on WebAssembly (see mlp-lopt.ts). No bias correction: it would read the
 * step count, and every feature is divided by its RMS anyway, which undoes a common scale.
 */
export function nextFeatures(
  kind: 'factored' | 'full',
  gradient: tf.Tensor,
  state: readonly tf.Tensor[],
): { features: tf.Tensor2D; state: tf.Tensor[] } {
  const n = gradient.size;
  const g = tf.reshape(gradient, [1, n]) as tf.Tensor2D;
  const decays = tf.tensor2d([...NORMALIZED_MOMENTUM_DECAYS], [MOMENTA, 1]);
  const rates = tf.tensor2d(
    NORMALIZED_MOMENTUM_DECAYS.map((d) => 1 - d),
    [MOMENTA, 1],
  );
  // m ← d·m + (1 − d)·g for the three decays at once.
  const momenta = tf.add(
    tf.mul(tf.reshape(state[0]!, [MOMENTA, n]), decays),
    tf.mul(g, rates),
  ) as tf.Tensor2D;
  const b2 = SECOND_MOMENT_DECAY;
  let secondMoment: tf.Tensor2D;
  let moments: tf.Tensor[];
  if (kind === 'full') {
    const v = tf.add(tf.mul(state[1]!, b2), tf.mul(tf.square(g), 1 - b2)) as tf.Tensor2D;
    moments = [v];
    secondMoment = v;
  } else {
    const [rows, columns] = factoredShape(gradient);
    const squares = tf.square(tf.reshape(gradient, [rows, columns]));
    const row = tf.add(tf.mul(state[1]!, b2), tf.mul(tf.mean(squares, 1, true), 1 - b2));
    const column = tf.add(tf.mul(state[2]!, b2), tf.mul(tf.mean(squares, 0, true), 1 - b2));
    moments = [row, column];
    // Adafactor's v̂ = R·C / mean(R): rank one, n numbers from rows + columns of state. The
    // division is applied to C (columns numbers) before the outer product, not to its n.
    const scaledColumn = tf.div(column, tf.add(tf.mean(row), TINY)) as tf.Tensor2D;
    secondMoment = tf.reshape(tf.matMul(row as tf.Tensor2D, scaledColumn), [1, n]);
  }
  const floor = tf.add(tf.mul(tf.mean(secondMoment), RELATIVE_EPSILON), TINY);
  const preconditioner = tf.rsqrt(tf.add(secondMoment, floor));
  const features = tf.concat(
    [g, momenta, tf.mul(g, preconditioner), tf.mul(momenta, preconditioner), tf.sqrt(secondMoment)],
    0,
  ) as tf.Tensor2D;
  return { features, state: [tf.reshape(momenta, [n, MOMENTA]), ...moments] };
}
