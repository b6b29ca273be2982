import type { Key } from '@pes/core';
import {
  innerUpdateRule,
  type InnerUpdateRule,
  type TensorOptimizerFamily,
} from '@pes/inner-problems';

/**
 * A learned optimizer over tensors: a θ-indexed family of ordinary optimizers
 * (learned_optimization's `opt_fn(theta)`) with a random starting θ. The same object is
 * meta-trained (through `learnedOptimizerRule`, one θ row per particle) and used
 * (`optimizer(θ)`, or as a `tf.Optimizer` through `LearnedTfOptimizer`).
 */
export interface TensorLearnedOptimizer extends TensorOptimizerFamily {
  /** θ at the start of meta-training, drawn from a key. */
  initTheta(key: Key): Float64Array;
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
  return innerUpdateRule(lopt, initialTheta);
}
