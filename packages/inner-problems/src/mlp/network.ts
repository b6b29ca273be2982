import * as tf from '@tensorflow/tfjs';
import { normal, type Key } from '@pes/core';

export type Activation = 'relu' | 'tanh' | 'sigmoid';

/** Layer sizes from the input to the classes, e.g. [784, 100, 100, 10]. */
export type Architecture = readonly number[];

/** Parses "784-100-100-10". */
export function parseArchitecture(text: string): Architecture {
  const sizes = text.split('-').map(Number);
  if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
    throw new RangeError(
      `architecture must be layer sizes joined by '-', like 784-100-100-10; got '${text}'`,
    );
  }
  return sizes;
}

/** Parameters per layer, in order [W1, b1, W2, b2, …]: W as in × out, b as a rank-1 tensor. */
export function initialParameters(
  key: Key,
  architecture: Architecture,
  activation: Activation,
): tf.Tensor[] {
  const params: tf.Tensor[] = [];
  let draws = 0;
  for (let l = 1; l < architecture.length; l++) draws += architecture[l - 1]! * architecture[l]!;
  const z = normal(key, draws);
  let at = 0;
  for (let l = 1; l < architecture.length; l++) {
    const fanIn = architecture[l - 1]!;
    const fanOut = architecture[l]!;
    // He initialisation for ReLU, LeCun's otherwise.
    const scale = Math.sqrt((activation === 'relu' ? 2 : 1) / fanIn);
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = z[at + i]! * scale;
    at += w.length;
    params.push(tf.tensor2d(w, [fanIn, fanOut]), tf.zeros([fanOut]));
  }
  return params;
}

export interface Batch {
  /** batch × features */
  x: tf.Tensor2D;
  /** features × batch: the input transposed once, shared by every particle's backward pass. */
  xT: tf.Tensor2D;
  /** batch × classes, one-hot */
  y: tf.Tensor2D;
}

/** Labels as a one-hot float matrix (count × classes). */
export function oneHotLabels(labels: Int32Array, classes: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D);
}

/**
 * A minibatch on the device from normalised features (batch × features, row-major) and labels:
 * x, its transpose (made once, shared by every particle's backward pass) and one-hot y. The
 * caller owns the three tensors.
 */
export function toBatch(
  x: Float32Array,
  labels: Int32Array,
  features: number,
  classes: number,
): Batch {
  return tf.tidy(() => {
    const xt = tf.tensor2d(x, [labels.length, features]);
    return { x: xt, xT: tf.transpose(xt), y: oneHotLabels(labels, classes) };
  });
}

/**
 * a·W + b through the activation. tfjs fuses ReLU and sigmoid into the matMul; tanh has no
 * fused form and is applied after a fused linear layer.
 */
function dense(
  a: tf.Tensor2D,
  w: tf.Tensor,
  b: tf.Tensor,
  activation: Activation | 'linear',
): tf.Tensor2D {
  const fused = activation === 'tanh' ? 'linear' : activation;
  const z = tf.fused.matMul({ a, b: w as tf.Tensor2D, bias: b, activation: fused }) as tf.Tensor2D;
  return activation === 'tanh' ? (tf.tanh(z) as tf.Tensor2D) : z;
}

function activationGradient(activation: Activation, a: tf.Tensor, upstream: tf.Tensor): tf.Tensor {
  if (activation === 'relu') return tf.mul(upstream, tf.step(a));
  if (activation === 'tanh') return tf.mul(upstream, tf.sub(1, tf.square(a)));
  return tf.mul(upstream, tf.mul(a, tf.sub(1, a)));
}

/**
 * Softmax cross-entropy loss (mean over the batch) and its gradient for one network, with a
 * hand-written backward pass: on WebAssembly only plain 2-D matMuls without transpose flags
 * reach XNNPACK, so every transpose is explicit (docs/performance.md). Call inside `tf.tidy`.
 */
export function lossAndGradients(
  params: readonly tf.Tensor[],
  batch: Batch,
  activation: Activation,
): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const layers = params.length / 2;
  const activations: tf.Tensor2D[] = [batch.x];
  for (let l = 0; l < layers; l++) {
    const last = l === layers - 1;
    activations.push(
      dense(activations[l]!, params[2 * l]!, params[2 * l + 1]!, last ? 'linear' : activation),
    );
  }
  const logits = activations[layers]!;
  const logProbs = tf.logSoftmax(logits);
  const count = batch.x.shape[0];
  const loss = tf.neg(tf.div(tf.sum(tf.mul(batch.y, logProbs)), count)) as tf.Scalar;
  let delta = tf.div(tf.sub(tf.exp(logProbs), batch.y), count) as tf.Tensor2D;
  const grads: tf.Tensor[] = new Array(params.length);
  for (let l = layers - 1; l >= 0; l--) {
    const input = l === 0 ? batch.xT : tf.transpose(activations[l]!);
    grads[2 * l] = tf.matMul(input, delta);
    grads[2 * l + 1] = tf.sum(delta, 0);
    if (l > 0) {
      const upstream = tf.matMul(delta, tf.transpose(params[2 * l] as tf.Tensor2D));
      delta = activationGradient(activation, activations[l]!, upstream) as tf.Tensor2D;
    }
  }
  return { loss, grads };
}

/** Loss and accuracy of one network on a batch (no gradient). Call inside `tf.tidy`. */
export function evaluateBatch(
  params: readonly tf.Tensor[],
  batch: { x: tf.Tensor2D; y: tf.Tensor2D },
  activation: Activation,
): { loss: tf.Scalar; accuracy: tf.Scalar } {
  const layers = params.length / 2;
  let a: tf.Tensor2D = batch.x;
  for (let l = 0; l < layers; l++) {
    a = dense(a, params[2 * l]!, params[2 * l + 1]!, l === layers - 1 ? 'linear' : activation);
  }
  const count = batch.x.shape[0];
  const loss = tf.neg(tf.div(tf.sum(tf.mul(batch.y, tf.logSoftmax(a))), count)) as tf.Scalar;
  const accuracy = tf.mean(
    tf.cast(tf.equal(tf.argMax(a, 1), tf.argMax(batch.y, 1)), 'float32'),
  ) as tf.Scalar;
  return { loss, accuracy };
}
