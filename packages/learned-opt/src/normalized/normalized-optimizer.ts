import { makeKey } from '@pes/core';
import { initialNormalizedLoptTheta } from './normalized-lopt.js';
import {
  NormalizedLearnedTfOptimizer,
  type NormalizedTfOptimizerOptions,
} from './normalized-tf-optimizer.js';

/** θ of an untrained normalised learned optimizer: one draw, the same for every run. */
const THETA_KEY = makeKey(188);

/**
 * The θ every normalised meta-training run starts from: an RMS-normalised Adafactor momentum
 * step (see `initialNormalizedLoptTheta`). No trained θ ships yet (issue 25).
 */
export function untrainedNormalizedTheta(): Float64Array {
  return initialNormalizedLoptTheta(THETA_KEY);
}

/**
 * The normalised learned optimizer as a `tf.Optimizer`:
 * `model.compile({ optimizer: normalizedLearnedOptimizer({ theta, learningRate: 1e-3 }), loss })`.
 * `learningRate` is a number or a schedule (constant, cosine, warm-up plus cosine); without
 * `theta` it is the untrained θ, which steps as RMS-normalised Adafactor momentum.
 */
export function normalizedLearnedOptimizer(
  options: NormalizedTfOptimizerOptions & { theta?: Float64Array },
): NormalizedLearnedTfOptimizer {
  const { theta, ...rest } = options;
  return new NormalizedLearnedTfOptimizer(theta ?? untrainedNormalizedTheta(), rest);
}
