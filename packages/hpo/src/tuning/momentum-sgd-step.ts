import * as tf from '@tensorflow/tfjs';
import type { StepHyperparameters } from './hyperparameters.js';

/**
 * One update of one weight tensor by momentum SGD with L2 weight decay, the inner optimizer
 * whose hyperparameters are tuned: g' = g + λw, v ← μv + g', w ← w − ηv. The task's particles
 * and the tf.Optimizer of a result both call it, so a tuned run trains as it was tuned.
 * Call inside `tf.tidy`; it returns new tensors.
 */
export function momentumSgdStep(
  weight: tf.Tensor,
  gradient: tf.Tensor,
  velocity: tf.Tensor,
  h: StepHyperparameters,
): { weight: tf.Tensor; velocity: tf.Tensor } {
  const decayed = h.weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(weight, h.weightDecay));
  const next = h.momentum === 0 ? decayed : tf.add(tf.mul(velocity, h.momentum), decayed);
  return { weight: tf.sub(weight, tf.mul(next, h.learningRate)), velocity: tf.clone(next) };
}
