import { FAMILY_WEIGHTS } from './family-weights.js';
import { LearnedTfOptimizer, type LearnedTfOptimizerOptions } from './tf-optimizer.js';
import { stepKnobsFromWeights, thetaFromWeights } from './weights-json.js';

/** θ of the shipped learned optimizer (FAMILY_WEIGHTS), checked as any weights file is. */
export function familyTheta(): Float64Array {
  return thetaFromWeights(FAMILY_WEIGHTS, 'the shipped family weights');
}

/**
 * The learned optimizer that ships with @pes/learned-opt, meta-trained with PES over a family of
 * MLPs on MNIST and CIFAR-10 (weights/lopt-family.yaml; docs/using-learned-optimizers.md), as a
 * `tf.Optimizer`: `model.compile({ optimizer: familyLearnedOptimizer(), loss })`. Its step
 * features are held at the family's longest horizon; `options` may turn the other knobs
 * (`stepScale`, the blow-up watch and its fallback).
 */
export function familyLearnedOptimizer(
  options: LearnedTfOptimizerOptions = {},
): LearnedTfOptimizer {
  return new LearnedTfOptimizer(familyTheta(), {
    ...stepKnobsFromWeights(FAMILY_WEIGHTS, 'the shipped family weights'),
    ...options,
  });
}
