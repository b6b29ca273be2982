import * as tf from '@tensorflow/tfjs';
import { pow } from '@pes/core';
import { layerRate, type InnerOptimizerName, type StepHyperparameters } from './hyperparameters.js';
import { ADAM_BETA2, ADAM_EPSILON } from './inner-optimizers.js';

// The batched formulation of model tuning: every particle's weights stacked as [N, …shape] and
// each step one forward and backward pass for all particles, instead of one pass per particle
// through the shared model. Every particle keeps its own θ, the same minibatches and the same
// resets; the two agree to float32 tolerance, not bit for bit (a batched matMul or a convolution
// with the particles' filters side by side sums in another order), so the formulation is a
// setting of the run, recorded with it.

const ACTIVATIONS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  softplus: (x) => tf.softplus(x),
  softmax: (x) => tf.softmax(x),
};

type Activation = (x: tf.Tensor) => tf.Tensor;
type Padding = 'valid' | 'same';

/** A layer as the batched pass applies it. */
export type BatchedLayer =
  | { kind: 'dense'; activation: Activation; bias: boolean }
  | {
      kind: 'conv2d';
      activation: Activation;
      bias: boolean;
      strides: [number, number];
      padding: Padding;
    }
  | { kind: 'flatten' }
  | {
      kind: 'pool';
      max: boolean;
      size: [number, number];
      strides: [number, number];
      padding: Padding;
    }
  | { kind: 'activation'; activation: Activation };

const pair = (v: unknown): [number, number] | undefined =>
  typeof v === 'number'
    ? [v, v]
    : Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')
      ? [v[0] as number, v[1] as number]
      : undefined;

/** One layer of `model` for the batched pass, or undefined where it has none. */
function batchedLayer(layer: tf.layers.Layer): BatchedLayer | undefined {
  const config = layer.getConfig() as Record<string, unknown>;
  const activation = ACTIVATIONS[(config.activation as string | undefined) ?? 'linear'];
  const inputRank = (layer.input as tf.SymbolicTensor).shape.length;
  const weights = layer.trainableWeights.length;
  const bias = config.useBias !== false;
  switch (layer.getClassName()) {
    case 'Dense':
      // A Dense layer on images applies to their last axis: only rank-2 input is batched here.
      if (!activation || inputRank !== 2 || weights !== (bias ? 2 : 1)) return undefined;
      return { kind: 'dense', activation, bias };
    case 'Conv2D': {
      const strides = pair(config.strides);
      const dilation = pair(config.dilationRate ?? 1);
      const padding = config.padding as string;
      if (!activation || !strides || dilation?.join() !== '1,1') return undefined;
      if ((config.dataFormat ?? 'channelsLast') !== 'channelsLast') return undefined;
      if ((padding !== 'valid' && padding !== 'same') || weights !== (bias ? 2 : 1))
        return undefined;
      return { kind: 'conv2d', activation, bias, strides, padding };
    }
    case 'Flatten':
      return { kind: 'flatten' };
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const size = pair(config.poolSize);
      const strides = pair(config.strides ?? config.poolSize);
      const padding = config.padding as string;
      if (!size || !strides || (padding !== 'valid' && padding !== 'same')) return undefined;
      if ((config.dataFormat ?? 'channelsLast') !== 'channelsLast') return undefined;
      return { kind: 'pool', max: layer.getClassName() === 'MaxPooling2D', size, strides, padding };
    }
    case 'Activation':
      return activation ? { kind: 'activation', activation } : undefined;
    default:
      return undefined;
  }
}

/**
 * The layers of `model` for the batched pass, or undefined where it is not a plain stack of
 * layers the pass knows (Dense on vectors, Conv2D, pooling, Flatten, Activation; no layer that
 * draws randomness or keeps statistics): such a model is stepped one particle at a time.
 */
export function batchedStack(model: tf.LayersModel): BatchedLayer[] | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const layers: BatchedLayer[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    // A stack: each layer takes the one before it (Sequential, or a functional chain).
    if (layer.inboundNodes.length !== 1) return undefined;
    const batched = batchedLayer(layer);
    if (!batched) return undefined;
    layers.push(batched);
  }
  return layers.some((l) => l.kind === 'dense' || l.kind === 'conv2d') ? layers : undefined;
}

/**
 * Every particle's output [N, B, …] for input x [B, …] shared by all, the weights stacked [N, …].
 * While the activations are still the shared input's (before the first weighted layer, and for a
 * first convolution, whose filters then sit side by side in one convolution), they carry no
 * particle axis.
 */
export function batchedForward(
  layers: readonly BatchedLayer[],
  weights: readonly tf.Tensor[],
  x: tf.Tensor,
): tf.Tensor {
  const particles = weights[0]!.shape[0]!;
  let h = x;
  let shared = true;
  let w = 0;
  /** [N, B, …] → [N·B, …], f, and back: a per-sample operation on every particle's batch. */
  const perSample = (f: (t: tf.Tensor) => tf.Tensor) => {
    if (shared) return f(h);
    const [n, b, ...rest] = h.shape;
    const out = f(tf.reshape(h, [n! * b!, ...rest]));
    return tf.reshape(out, [n!, b!, ...out.shape.slice(1)]);
  };
  for (const layer of layers) {
    switch (layer.kind) {
      case 'dense': {
        const input = shared ? tf.tile(tf.expandDims(h, 0), [particles, 1, 1]) : h;
        h = tf.matMul(input as tf.Tensor3D, weights[w++] as tf.Tensor3D);
        if (layer.bias) h = tf.add(h, tf.expandDims(weights[w++]!, 1));
        shared = false;
        h = layer.activation(h);
        break;
      }
      case 'conv2d': {
        const kernel = weights[w++]!; // [N, kh, kw, C, F]
        const [, kh, kw, c, f] = kernel.shape;
        if (shared) {
          // The shared input through all particles' filters at once: [kh, kw, C, N·F].
          const side = tf.reshape(tf.transpose(kernel, [1, 2, 3, 0, 4]), [
            kh!,
            kw!,
            c!,
            particles * f!,
          ]);
          const out = tf.conv2d(
            h as tf.Tensor4D,
            side as tf.Tensor4D,
            layer.strides,
            layer.padding,
          );
          const [b, oh, ow] = out.shape;
          h = tf.transpose(tf.reshape(out, [b, oh, ow, particles, f!]), [3, 0, 1, 2, 4]);
          shared = false;
        } else {
          const filters = tf.unstack(kernel);
          h = tf.stack(
            tf
              .unstack(h)
              .map((hp, p) =>
                tf.conv2d(
                  hp as tf.Tensor4D,
                  filters[p] as tf.Tensor4D,
                  layer.strides,
                  layer.padding,
                ),
              ),
          );
        }
        if (layer.bias) h = tf.add(h, tf.reshape(weights[w++]!, [particles, 1, 1, 1, f!]));
        h = layer.activation(h);
        break;
      }
      case 'flatten':
        h = shared
          ? tf.reshape(h, [h.shape[0]!, -1])
          : tf.reshape(h, [h.shape[0]!, h.shape[1]!, -1]);
        break;
      case 'pool':
        h = perSample((t) =>
          (layer.max ? tf.maxPool : tf.avgPool)(
            t as tf.Tensor4D,
            layer.size,
            layer.strides,
            layer.padding,
          ),
        );
        break;
      case 'activation':
        h = layer.activation(h);
        break;
    }
  }
  return h;
}

/** A per-particle number as a tensor that broadcasts over a stacked weight of rank `rank`. */
const perParticle = (values: number[], rank: number) =>
  tf.tensor(values, [values.length, ...new Array<number>(rank - 1).fill(1)]);

/**
 * One update of one stacked weight [N, …] for every particle, each with its own hyperparameters
 * `h[p]` and its step `t[p]`: `innerStep`'s update, the same float32 operations per element.
 * `layer` picks the per-layer factor. Call inside `tf.tidy`.
 */
export function batchedInnerStep(
  optimizer: InnerOptimizerName,
  weight: tf.Tensor,
  gradient: tf.Tensor,
  slots: tf.Tensor[],
  h: readonly StepHyperparameters[],
  t: ArrayLike<number>,
  layer: number,
): { weight: tf.Tensor; slots: tf.Tensor[] } {
  const rank = weight.rank;
  const each = (f: (hp: StepHyperparameters, p: number) => number) =>
    perParticle(
      h.map((hp, p) => f(hp, p)),
      rank,
    );
  const g = tf.add(
    gradient,
    tf.mul(
      weight,
      each((hp) => hp.weightDecay),
    ),
  );
  const rate = each((hp) => layerRate(hp, layer));
  if (optimizer === 'momentum') {
    const v = tf.add(
      tf.mul(
        slots[0]!,
        each((hp) => hp.momentum),
      ),
      g,
    );
    return { weight: tf.sub(weight, tf.mul(v, rate)), slots: [v] };
  }
  const beta1 = each((hp) => hp.adamBeta1);
  const m = tf.add(tf.mul(slots[0]!, beta1), tf.mul(g, tf.sub(1, beta1)));
  const v = tf.add(tf.mul(slots[1]!, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2));
  // Bias corrections in doubles through @pes/core's pow, per particle's own step.
  const mHat = tf.div(
    m,
    each((hp, p) => 1 - pow(hp.adamBeta1, t[p]! + 1)),
  );
  const vHat = tf.div(
    v,
    each((_, p) => 1 - pow(ADAM_BETA2, t[p]! + 1)),
  );
  const step = tf.div(mHat, tf.add(tf.sqrt(vHat), ADAM_EPSILON));
  return { weight: tf.sub(weight, tf.mul(step, rate)), slots: [m, v] };
}
