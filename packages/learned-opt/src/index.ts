export {
  mlpLearnedOptimizerReference,
  mlpLearnedOptimizerReferenceRule,
} from './mlp-lopt-reference.js';
export { learnedOptimizerRule } from './tensor-learned-optimizer.js';
export type { TensorLearnedOptimizer } from './tensor-learned-optimizer.js';
export {
  foldedLoptWeights,
  initialMlpLoptTheta,
  LOPT_HIDDEN,
  LOPT_INPUTS,
  mlpLearnedOptimizer,
  mlpLearnedOptimizerRule,
  mlpLoptLayout,
  MOMENTUM_DECAYS,
  PARAMETER_FEATURES,
  STEP_TIMESCALES,
} from './mlp-lopt.js';
export { initialLoptTheta, loptCifar10TaskSpec, loptMnistTaskSpec } from './lopt-task.js';
export { evaluateLearnedOptimizer } from './evaluate-learned-optimizer.js';
export type { LearnedOptimizerRole } from './evaluate-learned-optimizer.js';
export { LearnedTfOptimizer } from './tf-optimizer.js';
export {
  loadLearnedOptimizer,
  mlpLoptArchitecture,
  saveLearnedOptimizer,
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  WeightsError,
} from './weights-file.js';

import type { TaskSpec } from '@pes/core';
import { loptCifar10TaskSpec, loptMnistTaskSpec } from './lopt-task.js';

/** The tasks this package provides, by the name the command line uses. */
export const learnedOptTasks: readonly TaskSpec[] = [loptMnistTaskSpec, loptCifar10TaskSpec];
