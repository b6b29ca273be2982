import * as tf from '@tensorflow/tfjs';
import type { InnerUpdateRule } from '@pes/inner-problems';
import { learnedOptimizerRule, type TensorLearnedOptimizer } from './tensor-learned-optimizer.js';
import {
  initialMlpLoptTheta,
  MAGNITUDE_SCALE,
  MOMENTUM_DECAYS,
  mlpLoptLayout,
  RMS_EPSILON,
  STEP_SCALE,
  STEP_TIMESCALES,
} from './mlp-lopt.js';
import { tanh } from '@pes/core';

/**
 * The MLP learned optimizer written out exactly as docs/paper.md d reads: six momenta per tensor, a
 * 19-column feature matrix per tensor, three matMuls per tensor. Kept as the reference the fast
 * rule (`mlpLearnedOptimizerRule`) is tested against and benchmarked beside; state is six
 * tensors of the parameter's shape per tensor.
 */
export const mlpLearnedOptimizerReference: TensorLearnedOptimizer = {
  name: 'MLP learned optimizer (reference formulation)',
  dim: mlpLoptLayout().dim,
  initTheta: initialMlpLoptTheta,
  optimizer: (theta) => ({
    name: mlpLearnedOptimizerReference.name,
    init: (params) => params.flatMap((p) => MOMENTUM_DECAYS.map(() => tf.zerosLike(p))),
    update(grads, state, params, t) {
      const { blocks } = mlpLoptLayout();
      const decays = MOMENTUM_DECAYS.length;
      const weights = blocks.map((b) =>
        tf.tensor(
          Float32Array.from(
            theta.subarray(b.offset, b.offset + b.shape.reduce((a, n) => a * n, 1)),
          ),
          b.shape,
        ),
      );
      const stepFeatures = STEP_TIMESCALES.map((tau) => tanh(t / tau - 1));
      const updates: tf.Tensor[] = [];
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
        // p ← p − step: the update is −step, the sign in the last factor.
        const update = tf.mul(
          tf.mul(direction, tf.exp(tf.mul(magnitude, MAGNITUDE_SCALE))),
          -STEP_SCALE,
        );
        updates.push(tf.reshape(update, p.shape));
      });
      return { updates, state: nextState };
    },
  }),
};

/** The reference formulation as a task's inner update rule. */
export function mlpLearnedOptimizerReferenceRule(initialTheta: Float64Array): InnerUpdateRule {
  return learnedOptimizerRule(mlpLearnedOptimizerReference, initialTheta);
}
