import { createImageTask } from '@pes/inner-problems/node';
import { initialLoptTheta } from '../lopt-theta.js';
import { mlpLearnedOptimizerRule } from '../mlp-lopt.js';
import type { LoptTaskOptions } from './lopt-options.js';

/** An MLP on images trained by the MLP learned optimizer, one θ row per particle. */
export function loptTask(
  name: string,
  options: LoptTaskOptions &
    Required<Pick<LoptTaskOptions, 'dataset' | 'horizon' | 'batchSize' | 'arch' | 'objective'>>,
  shared?: unknown,
) {
  return createImageTask(
    name,
    // The learned optimizer's networks use ReLU (its options have no activation).
    { ...options, activation: 'relu' },
    async () => mlpLearnedOptimizerRule(initialLoptTheta()),
    shared,
  );
}
