import * as tf from '@tensorflow/tfjs';
import type { LearningRateFamily, TensorOptimizer } from './tensor-optimizers.js';
import { exp, log } from '@pes/core';

/**
 * A θ-indexed family of optimizers, θ → optimizer (learned_optimization's `opt_fn(θ)`): a
 * learning-rate schedule (@pes/hpo) and a learned optimizer (@pes/learned-opt) are both.
 */
export interface TensorOptimizerFamily {
  readonly name: string;
  /** Length of θ. */
  readonly dim: number;
  /** The ordinary optimizer that θ describes. */
  optimizer(theta: Float64Array): TensorOptimizer;
}

/**
 * The seam between the inner problem and what is meta-learned: a family of optimizers with the
 * θ meta-training starts from. Particle p steps with `optimizer(θ_p)`, its own step count
 * passed along; the task knows neither schedules nor learned optimizers.
 */
export interface InnerUpdateRule extends TensorOptimizerFamily {
  initialTheta(): Float64Array;
  /**
   * The state for freshly initialised parameters (momenta). The same for every θ: a task
   * re-initialises networks without one.
   */
  init(params: readonly tf.Tensor[]): tf.Tensor[];
  /**
   * Every particle's step at once, for the batched formulation of the image tasks: tensors
   * stacked with the particle axis first (rank ≥ 3, see batched-network.ts), particle p at
   * θ row p and step `steps[p]`. Rules without it step particle by particle on slices.
   */
  batchedUpdate?: BatchedUpdate;
}

export type BatchedUpdate = (
  thetas: Float64Array,
  grads: readonly tf.Tensor[],
  state: readonly tf.Tensor[],
  params: readonly tf.Tensor[],
  steps: Int32Array,
) => { updates: tf.Tensor[]; state: tf.Tensor[] };

/** A family as a task's rule, meta-training from `initialTheta`. */
export function innerUpdateRule(
  family: TensorOptimizerFamily,
  initialTheta: ArrayLike<number>,
): InnerUpdateRule {
  const start = Float64Array.from(initialTheta);
  // The state does not depend on θ; the starting θ's optimizer makes it for all.
  const atStart = family.optimizer(start);
  return {
    name: family.name,
    dim: family.dim,
    initialTheta: () => start.slice(),
    init: (params) => atStart.init(params),
    optimizer: (theta) => family.optimizer(theta),
  };
}

/**
 * An ordinary optimizer whose learning rate at step t is `rate(θ, t)`: the form every
 * learning-rate schedule takes, the family θ ↦ optimizer with schedule t ↦ rate(θ, t).
 */
export function learningRateRule(options: {
  name: string;
  optimizer: LearningRateFamily;
  dim: number;
  initialTheta: ArrayLike<number>;
  rate: (theta: Float64Array, t: number) => number;
}): InnerUpdateRule {
  const { name, optimizer, dim, rate } = options;
  const rule = innerUpdateRule(
    {
      name,
      dim,
      optimizer: (theta) => optimizer.withLearningRate((t) => rate(theta, t)),
    },
    options.initialTheta,
  );
  if (!optimizer.withLearningRates) return rule;
  const withLearningRates = optimizer.withLearningRates.bind(optimizer);
  const batchedUpdate: BatchedUpdate = (thetas, grads, state, params, steps) => {
    const particles = steps.length;
    // rate(θ_p, t_p) in float64 as the per-particle step computes it, rounded to float32 once.
    const rates = Float32Array.from({ length: particles }, (_, p) =>
      rate(thetas.subarray(p * dim, (p + 1) * dim), steps[p]!),
    );
    return withLearningRates(tf.tensor3d(rates, [particles, 1, 1])).update(grads, state, params, 0);
  };
  return { ...rule, batchedUpdate };
}

/** θ = [log learning rate], constant over the run. */
export function constantLearningRateRule(
  optimizer: LearningRateFamily,
  initialLearningRate: number,
): InnerUpdateRule {
  return learningRateRule({
    name: `${optimizer.name} with learning rate exp(θ0)`,
    optimizer,
    dim: 1,
    initialTheta: [log(initialLearningRate)],
    rate: (theta) => exp(theta[0]!),
  });
}
