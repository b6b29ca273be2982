import { makeKey } from '@pes/core';
import { createImageTask } from '@pes/inner-problems/node';
import { initialMlpLoptTheta, mlpLearnedOptimizerRule } from '../mlp-lopt.js';
import type { LoptTaskOptions } from './lopt-spec.js';

/** θ of a fresh learned optimizer: the same draw for every run, so runs start alike. */
const THETA_KEY = makeKey(1762);

/** The θ every `lopt-*` meta-training run starts from: the untrained learned optimizer. */
export function initialLoptTheta(): Float64Array {
  return initialMlpLoptTheta(THETA_KEY);
}

/** An MLP on images trained by the MLP learned optimizer, one θ row per particle. */
export function loptTask(
  name: string,
  options: LoptTaskOptions & Required<Pick<LoptTaskOptions, 'dataset' | 'horizon' | 'batchSize'>>,
) {
  return createImageTask(
    name,
    { ...options, activation: 'relu', objective: options.objective ?? 'val-loss' },
    async () => mlpLearnedOptimizerRule(initialLoptTheta()),
  );
}
