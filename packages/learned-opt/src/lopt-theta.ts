import { makeKey } from '@pes/core';
import { initialMlpLoptTheta } from './mlp-lopt.js';

/** θ of a fresh learned optimizer: the same draw for every run, so runs start alike. */
const THETA_KEY = makeKey(1762);

/** The θ every `lopt-*` meta-training run starts from: the untrained learned optimizer. */
export function initialLoptTheta(): Float64Array {
  return initialMlpLoptTheta(THETA_KEY);
}
