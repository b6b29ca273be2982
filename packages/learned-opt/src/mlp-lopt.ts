import * as tf from '@tensorflow/tfjs';
import { type Key, normal, tanh } from '@pes/core';
import type { InnerUpdateRule } from '@pes/inner-problems';
import { learnedOptimizerRule, type TensorLearnedOptimizer } from './tensor-learned-optimizer.js';

/**
 * The MLP learned optimizer of learned_optimization's `MLPLOpt` (docs/paper.md d). Per parameter it
 * reads 19 features — the gradient, the value and six momenta (decays 0.1 … 0.9999), each of
 * these eight divided by its root mean square over the tensor, then eleven step features
 * tanh(t/τ − 1) — through hidden layers of 32 and 32 to a direction and a magnitude, and steps
 * p ← p − dir · exp(mag · 1e-3) · 1e-3 (its update is −dir · exp(mag · 1e-3) · 1e-3).
 */
export const MOMENTUM_DECAYS = [0.1, 0.5, 0.9, 0.99, 0.999, 0.9999] as const;
export const STEP_TIMESCALES = [1, 3, 10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5] as const;
/** Features that vary per parameter: gradient, value, six momenta. */
export const PARAMETER_FEATURES = 2 + MOMENTUM_DECAYS.length;
export const LOPT_INPUTS = PARAMETER_FEATURES + STEP_TIMESCALES.length;
export const LOPT_HIDDEN = [32, 32] as const;
export const STEP_SCALE = 1e-3;
export const MAGNITUDE_SCALE = 1e-3;
export const RMS_EPSILON = 1e-5;

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
 * The per-parameter MLP's weights for one θ at inner step t, rearranged so the update needs
 * the fewest tensor ops:
 * - the eleven step features are the same for every parameter, so their part of the first
 *   layer is a constant added to its bias: b1' = b1 + s(t)·W1[8:19]; the first matMul reads
 *   only the eight per-parameter features (8 × 32 instead of 19 × 32, no 11 constant columns);
 * - the output's two 1e-3 scales, and descent's minus sign, are folded into W3 and b3, so the
 *   update is out₀ · exp(out₁): out₀ is minus the direction, exactly (negation is exact and
 *   float32 rounding symmetric in sign, so p + update is p − step to the last bit).
 * Computed in float64, handed to the device in float32.
 */
export function foldedLoptWeights(theta: Float64Array, t: number) {
  const { blocks } = mlpLoptLayout();
  const [w1, b1, w2, b2, w3, b3] = blocks.map((b) =>
    theta.subarray(b.offset, b.offset + b.shape.reduce((a, n) => a * n, 1)),
  ) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const hidden1 = LOPT_HIDDEN[0];
  const bias1 = Float64Array.from(b1);
  STEP_TIMESCALES.forEach((tau, j) => {
    const s = tanh(t / tau - 1);
    const row = (PARAMETER_FEATURES + j) * hidden1;
    for (let h = 0; h < hidden1; h++) bias1[h]! += s * w1[row + h]!;
  });
  const scales = [-STEP_SCALE, MAGNITUDE_SCALE];
  return {
    w1: Float32Array.from(w1.subarray(0, PARAMETER_FEATURES * hidden1)),
    b1: Float32Array.from(bias1),
    w2: Float32Array.from(w2),
    b2: Float32Array.from(b2),
    w3: Float32Array.from(w3, (v, i) => v * scales[i % 2]!),
    b3: Float32Array.from(b3, (v, i) => v * scales[i]!),
  };
}

/**
 * Constant matrices of the feature update. The rule's state per tensor is the previous feature
 * matrix F = [g, p, m₁ … m₆] ([size, 8], unnormalised); the next one is
 *   F' = g·G + p·P + F·M
 * with G = [1, 0, 1−d₁ … 1−d₆], P = [0, 1, 0 …], M = diag(0, 0, d₁ … d₆): the momentum update
 * and the feature stacking in three plain matMuls. (tfjs-wasm concatenates and splits along
 * the last axis element by element — 40 ms for one 78,400 × 8 concat — while these matMuls
 * take about a millisecond each.)
 */
function featureUpdateMatrices() {
  const f = PARAMETER_FEATURES;
  const g = new Float32Array(f);
  const p = new Float32Array(f);
  const m = new Float32Array(f * f);
  g[0] = 1;
  p[1] = 1;
  MOMENTUM_DECAYS.forEach((d, j) => {
    g[2 + j] = 1 - d;
    m[(2 + j) * f + 2 + j] = d;
  });
  return {
    g: tf.tensor2d(g, [1, f]),
    p: tf.tensor2d(p, [1, f]),
    m: tf.tensor2d(m, [f, f]),
  };
}

/**
 * The MLP learned optimizer as a function of θ. Per tensor of n parameters, everything large is
 * a plain 2-D matMul with the n-row matrix on the left (XNNPACK's fast path on WebAssembly, see
 * docs/performance.md):
 * - features F' = g·G + p·P + F·M (see `featureUpdateMatrices`), kept as the state;
 * - their mean squares per column as a ones-row matMul; the normalisation x / √(ε + mean x²)
 *   is folded into the first layer's weights (diag(r)·W1 is 8 × 32), so no n × 8 multiply;
 * - three fused matMuls with bias and ReLU, the output layer as two one-column matMuls
 *   (direction, magnitude) rather than a split along the last axis.
 * Equal to `mlpLearnedOptimizerReference` up to float32 rounding (tested).
 */
export const mlpLearnedOptimizer: TensorLearnedOptimizer = {
  name: 'MLP learned optimizer',
  dim: mlpLoptLayout().dim,
  initTheta: initialMlpLoptTheta,
  optimizer(theta) {
    const f = PARAMETER_FEATURES;
    const [hidden1, hidden2] = LOPT_HIDDEN;
    return {
      name: mlpLearnedOptimizer.name,
      init: (params) => params.map((p) => tf.zeros([p.size, f])),
      update(grads, state, params, t) {
        const w = foldedLoptWeights(theta, t);
        const update = featureUpdateMatrices();
        const w1 = tf.tensor2d(w.w1, [f, hidden1]);
        const b1 = tf.tensor1d(w.b1);
        const w2 = tf.tensor2d(w.w2, [hidden1, hidden2]);
        const b2 = tf.tensor1d(w.b2);
        const w3 = [0, 1].map((o) =>
          tf.tensor2d(
            w.w3.filter((_, i) => i % 2 === o),
            [hidden2, 1],
          ),
        ) as [tf.Tensor2D, tf.Tensor2D];
        const b3 = [0, 1].map((o) => tf.tensor1d([w.b3[o]!])) as [tf.Tensor1D, tf.Tensor1D];
        const updates: tf.Tensor[] = [];
        const nextState: tf.Tensor[] = [];
        // Each tensor's work in its own tidy: an update over a whole model holds one tensor's
        // intermediates at a time (normalized-lopt.ts does the same).
        params.forEach((p, i) => {
          const one = tf.tidy(() => {
            const n = p.size;
            const features = tf.add(
              tf.add(
                tf.matMul(tf.reshape(grads[i]!, [n, 1]), update.g),
                tf.matMul(tf.reshape(p, [n, 1]), update.p),
              ),
              tf.matMul(state[i] as tf.Tensor2D, update.m),
            );
            const meanSquare = tf.matMul(tf.fill([1, n], 1 / n), tf.square(features));
            const inverseRms = tf.reshape(tf.rsqrt(tf.add(meanSquare, RMS_EPSILON)), [f, 1]);
            const h1 = tf.fused.matMul({
              a: features,
              b: tf.mul(w1, inverseRms),
              bias: b1,
              activation: 'relu',
            });
            const h2 = tf.fused.matMul({ a: h1, b: w2, bias: b2, activation: 'relu' });
            // Minus the direction: W3's and b3's direction column carry the sign.
            const descent = tf.fused.matMul({ a: h2, b: w3[0], bias: b3[0] });
            const magnitude = tf.fused.matMul({ a: h2, b: w3[1], bias: b3[1] });
            return { features, update: tf.reshape(tf.mul(descent, tf.exp(magnitude)), p.shape) };
          });
          nextState.push(one.features);
          updates.push(one.update);
        });
        return { updates, state: nextState };
      },
    };
  },
};

/** The MLP learned optimizer as a task's inner update rule, meta-training from `initialTheta`. */
export function mlpLearnedOptimizerRule(initialTheta: Float64Array): InnerUpdateRule {
  return learnedOptimizerRule(mlpLearnedOptimizer, initialTheta);
}
