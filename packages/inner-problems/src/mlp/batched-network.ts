import * as tf from '@tensorflow/tfjs';
import type { Activation, Batch } from './network.js';

/**
 * The batched formulation's tensors: one tensor per parameter (or optimizer-state tensor) for
 * all N particles, the particle axis first and padded with unit axes to rank 3 at least, so a
 * weight is [N, in, out], a bias [N, 1, out] and a scalar [N, 1, 1]: every one broadcasts
 * against the others and against per-particle rates [N, 1, 1].
 */
export function stackParticles(perParticle: readonly (readonly tf.Tensor[])[]): tf.Tensor[] {
  const first = perParticle[0] ?? [];
  return first.map((t, i) =>
    tf.tidy(() => {
      const stacked = tf.stack(perParticle.map((ps) => ps[i]!));
      const pad = Math.max(0, 2 - t.rank);
      return stacked.reshape([perParticle.length, ...new Array<number>(pad).fill(1), ...t.shape]);
    }),
  );
}

/**
 * The inverse of `stackParticles`: particle p's tensors with the shapes of `shapes`, each with
 * data of its own (× 1, exact): the wasm backend keeps a shape per data buffer, and its fused
 * matMul would read a reshaped bias's buffer as rank 3.
 */
export function unstackParticles(
  stacked: readonly tf.Tensor[],
  shapes: readonly number[][],
  particles: number,
): tf.Tensor[][] {
  const perParticle: tf.Tensor[][] = Array.from({ length: particles }, () => []);
  stacked.forEach((s, i) => {
    const slices = tf.tidy(() => tf.unstack(s).map((t) => tf.mul(t.reshape(shapes[i]!), 1)));
    slices.forEach((t, p) => perParticle[p]!.push(t));
  });
  return perParticle;
}

/**
 * a·W + b through the activation for all particles: a is [1 or N, batch, in], W [N, in, out],
 * b [N, 1, out]. The WebAssembly backend's fused matMul takes only a rank-1 bias, so there the
 * three ops run apart (the same float32 operations).
 */
function batchedDense(
  a: tf.Tensor3D,
  w: tf.Tensor,
  b: tf.Tensor,
  activation: Activation | 'linear',
): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm' && activation !== 'tanh') {
    return tf.fused.matMul({ a, b: w as tf.Tensor3D, bias: b, activation }) as tf.Tensor3D;
  }
  const z = tf.add(tf.matMul(a, w as tf.Tensor3D), b) as tf.Tensor3D;
  if (activation === 'relu') return tf.relu(z);
  if (activation === 'tanh') return tf.tanh(z);
  if (activation === 'sigmoid') return tf.sigmoid(z);
  return z;
}

function activationGradient(activation: Activation, a: tf.Tensor, upstream: tf.Tensor): tf.Tensor {
  // ReLU's derivative as sign(a), 1 or 0 for a = relu(z) ≥ 0: the step function's values, but one
  // kernel where tfjs-node builds tf.step from five (Greater, Fill, Select, IsNan, …): 2 of the 14
  // ms of a batched step at N = 8.
  if (activation === 'relu') return tf.mul(upstream, tf.sign(a));
  if (activation === 'tanh') return tf.mul(upstream, tf.sub(1, tf.square(a)));
  return tf.mul(upstream, tf.mul(a, tf.sub(1, a)));
}

/** The network's output layer by layer for all particles; [0] is the shared input [1, B, in]. */
function forward(
  params: readonly tf.Tensor[],
  x: tf.Tensor2D,
  activation: Activation,
): tf.Tensor3D[] {
  const layers = params.length / 2;
  const activations: tf.Tensor3D[] = [tf.expandDims(x, 0) as tf.Tensor3D];
  for (let l = 0; l < layers; l++) {
    const last = l === layers - 1;
    activations.push(
      batchedDense(
        activations[l]!,
        params[2 * l]!,
        params[2 * l + 1]!,
        last ? 'linear' : activation,
      ),
    );
  }
  return activations;
}

/**
 * `lossAndGradients` (network.ts) for every particle at once on stacked parameters: the loss
 * per particle [N] and the gradients stacked as the parameters. One batched matMul per layer
 * and pass instead of N; transposes ride on matMul's flags, which GPU backends take for free.
 * Call inside `tf.tidy`.
 */
export function batchedLossAndGradients(
  params: readonly tf.Tensor[],
  batch: Batch,
  activation: Activation,
): { loss: tf.Tensor1D; grads: tf.Tensor[] } {
  const layers = params.length / 2;
  const activations = forward(params, batch.x, activation);
  const logProbs = tf.logSoftmax(activations[layers]!);
  const count = batch.x.shape[0];
  const loss = tf.neg(tf.div(tf.sum(tf.mul(batch.y, logProbs), [1, 2]), count)) as tf.Tensor1D;
  let delta = tf.div(tf.sub(tf.exp(logProbs), batch.y), count) as tf.Tensor3D;
  const grads: tf.Tensor[] = new Array(params.length);
  for (let l = layers - 1; l >= 0; l--) {
    grads[2 * l] = tf.matMul(activations[l]!, delta, true, false);
    grads[2 * l + 1] = tf.sum(delta, 1, true);
    if (l > 0) {
      const upstream = tf.matMul(delta, params[2 * l] as tf.Tensor3D, false, true);
      delta = activationGradient(activation, activations[l]!, upstream) as tf.Tensor3D;
    }
  }
  return { loss, grads };
}

/** `evaluateBatch` for every particle: loss and accuracy per particle, [N] each. */
export function batchedEvaluateBatch(
  params: readonly tf.Tensor[],
  batch: { x: tf.Tensor2D; y: tf.Tensor2D },
  activation: Activation,
): { loss: tf.Tensor1D; accuracy: tf.Tensor1D } {
  const logits = forward(params, batch.x, activation).at(-1)!;
  const count = batch.x.shape[0];
  const loss = tf.neg(
    tf.div(tf.sum(tf.mul(batch.y, tf.logSoftmax(logits)), [1, 2]), count),
  ) as tf.Tensor1D;
  const accuracy = tf.mean(
    tf.cast(tf.equal(tf.argMax(logits, 2), tf.argMax(batch.y, 1)), 'float32'),
    1,
  ) as tf.Tensor1D;
  return { loss, accuracy };
}
