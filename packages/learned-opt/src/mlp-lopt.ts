import * as tf from '@tensorflow/tfjs';
import { normal, type Key } from '@pes/core';
import type { InnerUpdateRule } from '@pes/inner-problems';

/**
 * The MLP learned optimizer of learned_optimization's `MLPLOpt` (PAPER.md d). Per parameter it
 * reads 19 features — the gradient, the value and six momenta (decays 0.1 … 0.9999), each of
 * these eight divided by its root mean square over the tensor, then eleven step features
 * tanh(t/τ − 1) — through hidden layers of 32 and 32 to a direction and a magnitude, and steps
 * p ← p − dir · exp(mag · 1e-3) · 1e-3.
 */
export const MOMENTUM_DECAYS = [0.1, 0.5, 0.9, 0.99, 0.999, 0.9999] as const;
export const STEP_TIMESCALES = [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5] as const;
export const LOPT_INPUTS = 2 + MOMENTUM_DECAYS.length + STEP_TIMESCALES.length;
export const LOPT_HIDDEN = [32, 32] as const;
const STEP_SCALE = 1e-3;
const MAGNITUDE_SCALE = 1e-3;
const RMS_EPSILON = 1e-5;

/** Where each weight of the per-parameter MLP sits in θ: [W1, b1, W2, b2, W3, b3]. */
export function mlpLoptLayout() {
  const sizes = [LOPT_INPUTS, ...LOPT_HIDDEN, 2];
  const blocks: { offset: number; shape: [number, number] | [number] }[] = [];
  let offset = 0;
  for (let l = 1; l < sizes.length; l++) {
    blocks.push({ offset, shape: [sizes[l - 1]!, sizes[l]!] });
    offset += sizes[l - 1]! * sizes[l]!;
    blocks.push({ offset, shape: [sizes[l]!] });
    offset += sizes[l]!;
  }
  return { blocks, dim: offset };
}

/** θ's initial value from a key: LeCun-normal weights, zero biases. */
export function initialMlpLoptTheta(key: Key): Float64Array {
  const { blocks, dim } = mlpLoptLayout();
  const theta = new Float64Array(dim);
  const z = normal(key, dim);
  for (const b of blocks) {
    if (b.shape.length !== 2) continue;
    const [fanIn, fanOut] = b.shape;
    for (let i = 0; i < fanIn * fanOut!; i++)
      theta[b.offset + i] = z[b.offset + i]! / Math.sqrt(fanIn);
  }
  return theta;
}

/**
 * The learned optimizer as an inner update rule: particle p's θ row is its own MLP. Its state
 * per parameter tensor is the six momenta. The per-parameter MLP runs as plain 2-D matMuls
 * over all of a tensor's entries at once (fast on WebAssembly).
 */
export function mlpLearnedOptimizerRule(initialTheta: Float64Array): InnerUpdateRule {
  const { blocks, dim } = mlpLoptLayout();
  if (initialTheta.length !== dim)
    throw new RangeError(`MLP learned optimizer θ has ${dim} numbers, got ${initialTheta.length}`);
  const decays = MOMENTUM_DECAYS.length;
  return {
    name: 'MLP learned optimizer',
    dim,
    initialTheta: () => initialTheta.slice(),
    init: (params) => params.flatMap((p) => MOMENTUM_DECAYS.map(() => tf.zerosLike(p))),
    step({ theta, t, params, grads, state }) {
      const weights = blocks.map((b) =>
        tf.tensor(
          Float32Array.from(
            theta.subarray(b.offset, b.offset + b.shape.reduce((a, n) => a * n, 1)),
          ),
          b.shape,
        ),
      );
      const stepFeatures = STEP_TIMESCALES.map((tau) => Math.tanh(t / tau - 1));
      const nextParams: tf.Tensor[] = [];
      const nextState: tf.Tensor[] = [];
      params.forEach((p, i) => {
        const g = grads[i]!;
        const momenta = MOMENTUM_DECAYS.map((d, j) =>
          tf.add(tf.mul(state[i * decays + j]!, d), tf.mul(g, 1 - d)),
        );
        nextState.push(...momenta);
        const n = p.size;
        const raw = [g, p, ...momenta].map((x) => tf.reshape(x, [n, 1]));
        const normalised = raw.map((x) =>
          tf.div(x, tf.sqrt(tf.add(tf.mean(tf.square(x)), RMS_EPSILON))),
        );
        const steps = tf.mul(
          tf.ones([n, 1]),
          tf.tensor2d([stepFeatures], [1, STEP_TIMESCALES.length]),
        );
        const features = tf.concat([...normalised, steps], 1) as tf.Tensor2D;
        // Fused matMul + bias + ReLU: one XNNPACK call per layer on WebAssembly.
        const h1 = tf.fused.matMul({
          a: features,
          b: weights[0] as tf.Tensor2D,
          bias: weights[1],
          activation: 'relu',
        });
        const h2 = tf.fused.matMul({
          a: h1,
          b: weights[2] as tf.Tensor2D,
          bias: weights[3],
          activation: 'relu',
        });
        const out = tf.fused.matMul({ a: h2, b: weights[4] as tf.Tensor2D, bias: weights[5] });
        const [direction, magnitude] = tf.split(out, 2, 1) as [tf.Tensor, tf.Tensor];
        const update = tf.mul(
          tf.mul(direction, tf.exp(tf.mul(magnitude, MAGNITUDE_SCALE))),
          STEP_SCALE,
        );
        nextParams.push(tf.sub(p, tf.reshape(update, p.shape)));
      });
      return { params: nextParams, state: nextState };
    },
  };
}
