import { FAMILY_WEIGHTS } from './family-weights.js';
import { episodeLearningRate } from './normalized/learning-rate-schedule.js';
import {
  NormalizedLearnedTfOptimizer,
  type NormalizedTfOptimizerOptions,
} from './normalized/normalized-tf-optimizer.js';
import {
  episodeScheduleFromWeights,
  thetaFromNormalizedWeights,
} from './normalized/normalized-weights-json.js';
import { NORMALIZED_WEIGHTS } from './normalized/normalized-weights.js';
import { FAMILY_WIDTH_SCALE, type WidthScale } from './normalized/width-scale.js';
import { LearnedTfOptimizer, type LearnedTfOptimizerOptions } from './tf-optimizer.js';
import { stepKnobsFromWeights, thetaFromWeights } from './weights-json.js';

const SHIPPED_NORMALIZED = 'the shipped normalised weights';
const SHIPPED_MLP = 'the shipped MLP family weights';

/** θ of the shipped normalised learned optimizer (NORMALIZED_WEIGHTS), checked as any weights file is. */
export function normalizedTheta(): Float64Array {
  return thetaFromNormalizedWeights(NORMALIZED_WEIGHTS, SHIPPED_NORMALIZED);
}

/** How `familyLearnedOptimizer` is set: the normalised optimizer's options, all optional. */
export type FamilyLearnedOptimizerOptions = Partial<
  Omit<NormalizedTfOptimizerOptions, 'widthScale'>
> & {
  /**
   * Shorter steps for tensors wider than the family's (width-scale.ts): by default
   * `FAMILY_WIDTH_SCALE`, fan-ins above 64 at lr·(64 / fan-in)^½; `null` turns it off.
   */
  widthScale?: WidthScale | null;
  /**
   * The number of steps you will train for: without `learningRate`, the learning rate is then
   * the schedule the shipped θ was meta-trained at (a cosine from 1e-3 to 0) over those steps.
   * It is not the fraction features' total (`totalSteps`), which the shipped θ was trained
   * without.
   */
  trainingSteps?: number;
};

/**
 * The learned optimizer that ships with @pes/learned-opt, as a `tf.Optimizer`:
 * `model.compile({ optimizer: familyLearnedOptimizer({ trainingSteps: 5000 }), loss })`. It is
 * the normalised learned optimizer (no step features; a unit-RMS direction per tensor times the
 * learning rate) with θ meta-trained by weights/lopt-normalized.yaml. The learning rate is
 * `learningRate` (a number or a schedule) when given; else, with `trainingSteps`, the cosine
 * from 1e-3 it was meta-trained at over those steps; else a constant 1e-3 (which trains, but
 * less well than a schedule that decays: docs/using-learned-optimizers.md). Layers wider than
 * the family's take shorter steps (`FAMILY_WIDTH_SCALE`) unless `widthScale` is null.
 */
export function familyLearnedOptimizer(
  options: FamilyLearnedOptimizerOptions = {},
): NormalizedLearnedTfOptimizer {
  const { trainingSteps, learningRate, widthScale, ...rest } = options;
  const metaTrainedAt = episodeScheduleFromWeights(NORMALIZED_WEIGHTS, SHIPPED_NORMALIZED);
  if (trainingSteps !== undefined && !(Number.isInteger(trainingSteps) && trainingSteps > 0))
    throw new RangeError(`trainingSteps must be a positive integer, got ${trainingSteps}`);
  return new NormalizedLearnedTfOptimizer(normalizedTheta(), {
    ...rest,
    widthScale: widthScale === undefined ? FAMILY_WIDTH_SCALE : (widthScale ?? undefined),
    learningRate:
      learningRate ??
      (trainingSteps === undefined
        ? metaTrainedAt.innerLr
        : episodeLearningRate(metaTrainedAt, trainingSteps)),
  });
}

/** θ of the shipped MLP learned optimizer (FAMILY_WEIGHTS), checked as any weights file is. */
export function mlpFamilyTheta(): Float64Array {
  return thetaFromWeights(FAMILY_WEIGHTS, SHIPPED_MLP);
}

/**
 * The paper's MLP learned optimizer (experiment (d)), meta-trained with PES over a family of
 * MLPs on MNIST and CIFAR-10 (weights/lopt-family.yaml), as a `tf.Optimizer`; what
 * `familyLearnedOptimizer()` returned before the normalised one shipped. Its step features are
 * held at the family's longest horizon; `options` may turn the other knobs (`stepScale`, the
 * blow-up watch and its fallback).
 */
export function mlpFamilyLearnedOptimizer(
  options: LearnedTfOptimizerOptions = {},
): LearnedTfOptimizer {
  return new LearnedTfOptimizer(mlpFamilyTheta(), {
    ...stepKnobsFromWeights(FAMILY_WEIGHTS, SHIPPED_MLP),
    ...options,
  });
}
