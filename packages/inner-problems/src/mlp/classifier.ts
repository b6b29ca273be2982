import type * as tf from '@tensorflow/tfjs';
import type { Key } from '@pes/core';
import {
  evaluateBatch,
  initialParameters,
  lossAndGradients,
  type Activation,
  type Architecture,
  type Batch,
} from './network.js';

/**
 * A classifier as the optimizer evaluations train it: its parameters as a list of tensors, drawn
 * from a key; the mean softmax cross-entropy of a minibatch and its gradient; loss and accuracy
 * without a gradient. Call `lossAndGradients` and `evaluate` inside `tf.tidy`.
 */
export interface Classifier {
  /** In words, for tables: "784-32-10 relu MLP". */
  readonly description: string;
  init(key: Key): tf.Tensor[];
  lossAndGradients(
    params: readonly tf.Tensor[],
    batch: Batch,
  ): { loss: tf.Scalar; grads: tf.Tensor[] };
  evaluate(
    params: readonly tf.Tensor[],
    batch: { x: tf.Tensor2D; y: tf.Tensor2D },
  ): { loss: tf.Scalar; accuracy: tf.Scalar };
}

/** The MLP of network.ts (its hand-written backward pass) as a `Classifier`. */
export function mlpClassifier(architecture: Architecture, activation: Activation): Classifier {
  return {
    description: `${architecture.join('-')} ${activation} MLP`,
    init: (key) => initialParameters(key, architecture, activation),
    lossAndGradients: (params, batch) => lossAndGradients(params, batch, activation),
    evaluate: (params, batch) => evaluateBatch(params, batch, activation),
  };
}
