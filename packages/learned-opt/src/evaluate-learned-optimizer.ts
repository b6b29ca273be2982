import {
  compareOptimizers,
  type CompareOptimizersOptions,
  type OptimizerComparison,
  type TensorOptimizer,
} from '@pes/inner-problems';
import { initialLoptTheta } from './lopt-theta.js';
import { mlpLearnedOptimizer } from './mlp-lopt.js';
import { withStepKnobs, type StepKnobs } from './step-knobs.js';

/** The two learned optimizers of an evaluation: the meta-trained θ and the θ it started from. */
export type LearnedOptimizerRole = 'learned' | 'untrained';

/** `Omit<T, 'optimizers'>` of each member of a union (the network choice is one). */
type WithoutOptimizers<T> = T extends unknown ? Omit<T, 'optimizers'> : never;

export type EvaluateLearnedOptimizerOptions = WithoutOptimizers<
  CompareOptimizersOptions<LearnedOptimizerRole>
> & {
  /** The knobs the learned optimizer (and its untrained start) is used with. */
  knobs?: StepKnobs;
  /** Whether the untrained start is trained too (default true). */
  untrained?: boolean;
};

/**
 * A meta-trained MLP learned optimizer judged on fresh networks (`compareOptimizers`) beside
 * its untrained start — the θ every lopt-* run begins at, so the difference is what
 * meta-training learned — and beside Adam over a grid of learning rates.
 */
export function evaluateLearnedOptimizer(
  theta: Float64Array,
  options: EvaluateLearnedOptimizerOptions,
): OptimizerComparison<LearnedOptimizerRole> {
  if (theta.length !== mlpLearnedOptimizer.dim)
    throw new RangeError(
      `${mlpLearnedOptimizer.name} θ has ${mlpLearnedOptimizer.dim} numbers, got ${theta.length}`,
    );
  const { knobs = {}, untrained = true, ...comparison } = options;
  const at = (t: Float64Array) => withStepKnobs(mlpLearnedOptimizer.optimizer(t), knobs);
  const optimizers: Partial<Record<LearnedOptimizerRole, TensorOptimizer>> = { learned: at(theta) };
  if (untrained) optimizers.untrained = at(initialLoptTheta());
  return compareOptimizers<LearnedOptimizerRole>({
    ...comparison,
    optimizers: optimizers as Record<LearnedOptimizerRole, TensorOptimizer>,
  });
}
