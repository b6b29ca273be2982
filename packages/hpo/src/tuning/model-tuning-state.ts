import * as tf from '@tensorflow/tfjs';

// The model-tuning task's data and state, and what its two formulations share.

export type TuningObjective = 'val-accuracy' | 'val-loss' | 'train-loss';

/** Training and validation tensors; the caller owns them and disposes them after tuning. */
export interface TuningData {
  x: tf.Tensor;
  y: tf.Tensor;
  validationX: tf.Tensor;
  validationY: tf.Tensor;
}

/** Per particle: its copy of the model's trainable weights and its optimizer's buffers. */
export interface ModelTuningState {
  params: tf.Tensor[][];
  /** Per particle, the buffers of weight 0, then of weight 1, …: `slotsPerWeight` each. */
  slots: tf.Tensor[][];
  /** Steps taken in each particle's current episode. */
  t: Int32Array;
}

/**
 * The objectives an unroll reported, step-major (each step's particles, as scalars or one [N]
 * vector a step), read once and laid out particles × steps; the tensors are disposed.
 */
export function particleMajorLosses(
  reported: tf.Tensor[],
  particles: number,
  steps: number,
): Float64Array {
  const stepMajor =
    reported.length > 0 ? tf.tidy(() => tf.stack(reported).dataSync()) : new Float32Array();
  tf.dispose(reported);
  const losses = new Float64Array(particles * steps);
  for (let k = 0; k < steps; k++)
    for (let p = 0; p < particles; p++) losses[p * steps + k] = stepMajor[k * particles + p]!;
  return losses;
}
