import {
  compareOptimizers,
  type CompareOptimizersOptions,
  type OptimizerComparison,
} from '@pes/inner-problems';
import { initialLoptTheta } from './lopt-theta.js';
import { mlpLearnedOptimizer } from './mlp-lopt.js';

/** `Omit<T, 'optimizers'>` of each member of a union (the network choice is one). */
type WithoutOptimizers<T> = T extends unknown ? Omit<T, 'optimizers'> : never;

/** The two learned optimizers of an evaluation: the meta-trained θ and the θ it started from. */
export type LearnedOptimizerRole = 'learned' | 'untrained';

/**
 * A meta-trained MLP learned optimizer judged on fresh networks (`compareOptimizers`) beside
 * its untrained start — the θ every lopt-* run begins at, so the difference is what
 * meta-training learned — and beside Adam over a grid of learning rates.
 */
export function evaluateLearnedOptimizer(
  theta: Float64Array,
  options: WithoutOptimizers<CompareOptimizersOptions<LearnedOptimizerRole>>,
): OptimizerComparison<LearnedOptimizerRole> {
  if (theta.length !== mlpLearnedOptimizer.dim)
    throw new RangeError(
      `${mlpLearnedOptimizer.name} θ has ${mlpLearnedOptimizer.dim} numbers, got ${theta.length}`,
    );
  return compareOptimizers<LearnedOptimizerRole>({
    ...options,
    optimizers: {
      learned: mlpLearnedOptimizer.optimizer(theta),
      untrained: mlpLearnedOptimizer.optimizer(initialLoptTheta()),
    },
  });
}
