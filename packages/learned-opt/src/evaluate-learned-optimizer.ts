import {
  compareOptimizers,
  type CompareOptimizersOptions,
  type OptimizerComparison,
  type TensorOptimizer,
} from '@pes/inner-problems';
import { initialLoptTheta } from './lopt-theta.js';
import { mlpLearnedOptimizer } from './mlp-lopt.js';
import { episodeLearningRate, type EpisodeSchedule } from './normalized/learning-rate-schedule.js';
import { normalizedLopt } from './normalized/normalized-lopt.js';
import { untrainedNormalizedTheta } from './normalized/normalized-optimizer.js';
import type { TensorLearnedOptimizer } from './tensor-learned-optimizer.js';
import { withStepKnobs, type StepKnobs } from './step-knobs.js';

/** The two learned optimizers of an evaluation: the meta-trained θ and the θ it started from. */
export type LearnedOptimizerRole = 'learned' | 'untrained';

/** `Omit<T, 'optimizers'>` of each member of a union (the network choice is one). */
type WithoutOptimizers<T> = T extends unknown ? Omit<T, 'optimizers'> : never;

export type EvaluateLearnedOptimizerOptions = WithoutOptimizers<
  CompareOptimizersOptions<LearnedOptimizerRole>
> & {
  /** The knobs the MLP learned optimizer (and its untrained start) is used with. */
  knobs?: StepKnobs;
  /**
   * θ is the normalised learned optimizer's, stepping at this schedule over the run (as its
   * weights file records it was meta-trained); without it, θ is the MLP learned optimizer's.
   */
  normalized?: EpisodeSchedule;
  /** Whether the untrained start is trained too (default true). */
  untrained?: boolean;
};

/**
 * A meta-trained learned optimizer judged on fresh networks (`compareOptimizers`) beside its
 * untrained start — the θ every run of its task begins at, so the difference is what
 * meta-training learned — and beside Adam over a grid of learning rates. θ is the MLP learned
 * optimizer's, or with `normalized` the normalised one's.
 */
export function evaluateLearnedOptimizer(
  theta: Float64Array,
  options: EvaluateLearnedOptimizerOptions,
): OptimizerComparison<LearnedOptimizerRole> {
  const { knobs = {}, normalized, untrained = true, ...comparison } = options;
  const { lopt, start, at } = evaluated(normalized, knobs, comparison.steps);
  if (theta.length !== lopt.dim)
    throw new RangeError(`${lopt.name} θ has ${lopt.dim} numbers, got ${theta.length}`);
  const optimizers: Partial<Record<LearnedOptimizerRole, TensorOptimizer>> = { learned: at(theta) };
  if (untrained) optimizers.untrained = at(start);
  return compareOptimizers<LearnedOptimizerRole>({
    ...comparison,
    optimizers: optimizers as Record<LearnedOptimizerRole, TensorOptimizer>,
  });
}

/** The learned optimizer evaluated, the θ its task starts from, and θ → its update rule. */
function evaluated(
  normalized: EpisodeSchedule | undefined,
  knobs: StepKnobs,
  steps: number,
): { lopt: TensorLearnedOptimizer; start: Float64Array; at: (t: Float64Array) => TensorOptimizer } {
  if (normalized) {
    const lopt = normalizedLopt({
      learningRate: episodeLearningRate(normalized, steps),
      widthScale: normalized.widthScale,
      depthScale: normalized.depthScale,
    });
    return { lopt, start: untrainedNormalizedTheta(), at: (t) => lopt.optimizer(t) };
  }
  return {
    lopt: mlpLearnedOptimizer,
    start: initialLoptTheta(),
    at: (t) => withStepKnobs(mlpLearnedOptimizer.optimizer(t), knobs),
  };
}
