import type * as tf from '@tensorflow/tfjs';
import type { Key } from '@pes/core';
import type { InnerUpdateRule } from '@pes/inner-problems';

/**
 * An ordinary optimizer over tensors as a pure pair: `init(params) → state`, and
 * `update({ t, params, grads, state }) → { params, state }` at inner step t. Call `update`
 * inside `tf.tidy`; it returns new tensors and disposes nothing.
 */
export interface TensorUpdate {
  init(params: readonly tf.Tensor[]): tf.Tensor[];
  update(args: {
    t: number;
    params: readonly tf.Tensor[];
    grads: readonly tf.Tensor[];
    state: readonly tf.Tensor[];
  }): { params: tf.Tensor[]; state: tf.Tensor[] };
}

/**
 * A learned optimizer over tensors: a function from meta-parameters θ to an ordinary optimizer
 * (learned_optimization's `opt_fn(theta)`). The same object is meta-trained (through
 * `learnedOptimizerRule`, one θ row per particle) and used (`optimizer(θ)`, or as a
 * `tf.Optimizer` through `LearnedTfOptimizer`).
 */
export interface TensorLearnedOptimizer {
  readonly name: string;
  /** Length of θ. */
  readonly dim: number;
  /** θ at the start of meta-training, drawn from a key. */
  initTheta(key: Key): Float64Array;
  /** The ordinary optimizer that θ describes. */
  optimizer(theta: Float64Array): TensorUpdate;
}

/**
 * A learned optimizer as the inner update rule of a task (the seam of @pes/inner-problems):
 * each particle's step applies the optimizer of its own θ row. `initialTheta` is where
 * meta-training starts.
 */
export function learnedOptimizerRule(
  lopt: TensorLearnedOptimizer,
  initialTheta: Float64Array,
): InnerUpdateRule {
  if (initialTheta.length !== lopt.dim)
    throw new RangeError(`${lopt.name} θ has ${lopt.dim} numbers, got ${initialTheta.length}`);
  const start = initialTheta.slice();
  // init does not depend on θ; any θ of the right length gives the same state.
  const initial = lopt.optimizer(start);
  return {
    name: lopt.name,
    dim: lopt.dim,
    initialTheta: () => start.slice(),
    init: (params) => initial.init(params),
    step: ({ theta, t, params, grads, state }) =>
      lopt.optimizer(theta).update({ t, params, grads, state }),
  };
}
