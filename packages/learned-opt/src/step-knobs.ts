import * as tf from '@tensorflow/tfjs';
import type { TensorOptimizer } from '@pes/inner-problems';

/** What a user turns on a trained learned optimizer without meta-training it again. */
export interface StepKnobs {
  /**
   * Multiplies every update, as a learning-rate multiplier would (default 1: the step θ learned).
   * Below 1 for a model that trains unstably, above for one that trains too slowly.
   */
  stepScale?: number;
  /**
   * The step count the step features read is held at this value from then on (default: never
   * held). A learned optimizer meta-trained on episodes of at most T steps has never seen its
   * step features past T; held there, training past T continues with the features of step T
   * instead of values it never saw. The family-trained weights set it to their longest horizon.
   */
  stepFeatureLimit?: number;
}

/** Checks knobs: a positive finite scale, a limit of at least one step (or Infinity). */
export function checkStepKnobs(knobs: StepKnobs): Required<StepKnobs> {
  const stepScale = knobs.stepScale ?? 1;
  const stepFeatureLimit = knobs.stepFeatureLimit ?? Infinity;
  if (!(stepScale > 0 && Number.isFinite(stepScale)))
    throw new RangeError(`stepScale must be a positive number, got ${stepScale}`);
  if (!(stepFeatureLimit >= 1))
    throw new RangeError(`stepFeatureLimit must be at least 1, got ${stepFeatureLimit}`);
  return { stepScale, stepFeatureLimit };
}

/** The optimizer with its knobs turned; the same object when they are at their defaults. */
export function withStepKnobs(optimizer: TensorOptimizer, knobs: StepKnobs): TensorOptimizer {
  const { stepScale, stepFeatureLimit } = checkStepKnobs(knobs);
  if (stepScale === 1 && stepFeatureLimit === Infinity) return optimizer;
  return {
    name: optimizer.name,
    init: (params) => optimizer.init(params),
    update(grads, state, params, step) {
      const r = optimizer.update(grads, state, params, Math.min(step, stepFeatureLimit));
      if (stepScale === 1) return r;
      return { updates: r.updates.map((u) => tf.mul(u, stepScale)), state: r.state };
    },
  };
}
