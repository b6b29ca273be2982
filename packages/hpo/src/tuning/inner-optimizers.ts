import * as tf from '@tensorflow/tfjs';
import { pow } from '@pes/core';
import type { InnerOptimizerName, StepHyperparameters } from './hyperparameters.js';

/** Adam's second-moment decay and ε: Keras's defaults, not tuned. */
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-7;

/** Buffers each optimizer keeps per weight tensor (velocity; first and second moments). */
export function slotsPerWeight(optimizer: InnerOptimizerName): number {
  return optimizer === 'adam' ? 2 : 1;
}

/**
 * One update of one weight tensor, `t` the number of steps taken before it. The task's particles
 * and the tf.Optimizer of a result both call it, so a tuned run trains as it was tuned.
 * - momentum: g' = g + λw, v ← μv + g', w ← w − ηv;
 * - adam: g' = g + λw, m ← β₁m + (1 − β₁)g', v ← β₂v + (1 − β₂)g'², w ← w − η m̂ / (√v̂ + ε),
 *   with bias-corrected m̂, v̂ (L2 decay through the gradient, as tfjs's and Keras's Adam).
 * Call inside `tf.tidy`; it returns new tensors.
 */
export function innerStep(
  optimizer: InnerOptimizerName,
  weight: tf.Tensor,
  gradient: tf.Tensor,
  slots: tf.Tensor[],
  h: StepHyperparameters,
  t: number,
): { weight: tf.Tensor; slots: tf.Tensor[] } {
  const g = h.weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(weight, h.weightDecay));
  if (optimizer === 'momentum') {
    const v = h.momentum === 0 ? g : tf.add(tf.mul(slots[0]!, h.momentum), g);
    return { weight: tf.sub(weight, tf.mul(v, h.learningRate)), slots: [tf.clone(v)] };
  }
  const beta1 = h.adamBeta1;
  const m = tf.add(tf.mul(slots[0]!, beta1), tf.mul(g, 1 - beta1));
  const v = tf.add(tf.mul(slots[1]!, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2));
  // Bias corrections in doubles through @pes/core's pow: they reach θ through the losses.
  const mHat = tf.div(m, 1 - pow(beta1, t + 1));
  const vHat = tf.div(v, 1 - pow(ADAM_BETA2, t + 1));
  const step = tf.div(mHat, tf.add(tf.sqrt(vHat), ADAM_EPSILON));
  return { weight: tf.sub(weight, tf.mul(step, h.learningRate)), slots: [m, v] };
}
