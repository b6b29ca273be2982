import type * as tf from '@tensorflow/tfjs';
import type { TensorOptimizer } from './tensor-optimizers.js';

/**
 * The seam between the inner problem and what is meta-learned: per particle and per step, the
 * task hands its gradients to a rule parameterised by that particle's θ. A learning-rate
 * schedule (@pes/hpo) and a learned optimizer (@pes/learned-opt) are both rules; the task
 * knows neither.
 */
export interface InnerUpdateRule {
  readonly name: string;
  /** Length of θ. */
  readonly dim: number;
  initialTheta(): Float64Array;
  /** The rule's state for freshly initialised parameters (momenta, step counts). */
  init(params: readonly tf.Tensor[]): tf.Tensor[];
  /**
   * One update of one particle's parameters. Called inside `tf.tidy`; returns new tensors and
   * disposes nothing. `t` is the particle's inner step in its episode.
   */
  step(args: {
    theta: Float64Array;
    t: number;
    params: readonly tf.Tensor[];
    grads: readonly tf.Tensor[];
    state: readonly tf.Tensor[];
  }): { params: tf.Tensor[]; state: tf.Tensor[] };
}

/**
 * An ordinary optimizer whose learning rate at inner step t is `rate(θ, t)`: the form every
 * learning-rate schedule takes.
 */
export function learningRateRule(options: {
  name: string;
  optimizer: TensorOptimizer;
  dim: number;
  initialTheta: ArrayLike<number>;
  rate: (theta: Float64Array, t: number) => number;
}): InnerUpdateRule {
  const initial = Float64Array.from(options.initialTheta);
  return {
    name: options.name,
    dim: options.dim,
    initialTheta: () => initial.slice(),
    init: (params) => options.optimizer.init(params),
    step: ({ theta, t, params, grads, state }) =>
      options.optimizer.update(grads, state, params, options.rate(theta, t)),
  };
}

/** θ = [log learning rate], constant over the run. */
export function constantLearningRateRule(
  optimizer: TensorOptimizer,
  initialLearningRate: number,
): InnerUpdateRule {
  return learningRateRule({
    name: `${optimizer.name} with learning rate exp(θ0)`,
    optimizer,
    dim: 1,
    initialTheta: [Math.log(initialLearningRate)],
    rate: (theta) => Math.exp(theta[0]!),
  });
}
