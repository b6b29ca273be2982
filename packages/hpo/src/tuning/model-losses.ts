import * as tf from '@tensorflow/tfjs';

/** A loss by tfjs-layers name, or a function of (yTrue, yPred) to a scalar or per-example loss. */
export type LossSpec =
  | 'categoricalCrossentropy'
  | 'binaryCrossentropy'
  | 'meanSquaredError'
  | ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor);

const NAMED: Record<string, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor> = {
  categoricalCrossentropy: (a, b) => tf.metrics.categoricalCrossentropy(a, b),
  binaryCrossentropy: (a, b) => tf.metrics.binaryCrossentropy(a, b),
  meanSquaredError: (a, b) => tf.metrics.meanSquaredError(a, b),
};

/** The mean loss of a batch as a scalar, whatever the loss returns per example. */
export function lossFunction(spec: LossSpec): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  const f = typeof spec === 'function' ? spec : NAMED[spec];
  if (!f) {
    throw new RangeError(`loss: unknown loss '${spec}'; known: ${Object.keys(NAMED).join(', ')}`);
  }
  return (yTrue, yPred) => tf.mean(f(yTrue, yPred));
}

/**
 * Whether each prediction agrees with its target: argmax agreement for one-hot targets,
 * 0.5-threshold agreement for a single sigmoid output, as 0 or 1 over the leading axes.
 */
function agreement(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const classes = yPred.shape[yPred.shape.length - 1] ?? 1;
  const agree =
    classes > 1
      ? tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1))
      : tf.equal(tf.greaterEqual(yTrue, 0.5), tf.greaterEqual(yPred, 0.5));
  return tf.cast(agree, 'float32');
}

/** Accuracy of a batch (`agreement`'s mean); the regression losses have none. */
export function accuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.mean(agreement(yTrue, yPred));
}

/**
 * The mean loss of each particle's batch, [N], from targets [B, …] and the particles' outputs
 * [N, B, …] (the batched formulation); a named loss only.
 */
export function perParticleLoss(
  spec: Extract<LossSpec, string>,
): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor1D {
  const f = NAMED[spec];
  if (!f)
    throw new RangeError(`loss: unknown loss '${spec}'; known: ${Object.keys(NAMED).join(', ')}`);
  return (yTrue, yPred) => tf.mean(f(yTrue, yPred), 1) as tf.Tensor1D;
}

/** `accuracy` of each particle's outputs [N, B, …] against targets [B, …]: [N]. */
export function perParticleAccuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor1D {
  return tf.mean(agreement(yTrue, yPred), 1) as tf.Tensor1D;
}
