export { learnableAdam, learnableSgd } from './learned-optimizer.js';
export type { LearnedOptimizer } from './learned-optimizer.js';
export {
  mlpLearnedOptimizerReference,
  mlpLearnedOptimizerReferenceRule,
} from './mlp-lopt-reference.js';
export { learnedOptimizerRule } from './tensor-learned-optimizer.js';
export type { TensorLearnedOptimizer, TensorUpdate } from './tensor-learned-optimizer.js';
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
export { initialLoptTheta, loptTask } from './lopt-task.js';
export { LearnedTfOptimizer } from './tf-optimizer.js';
export {
  learnedOptimizerJson,
  loadLearnedOptimizer,
  mlpLoptArchitecture,
  saveLearnedOptimizer,
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  WeightsError,
} from './weights-file.js';

// The task registry (also the light entry '@pes/learned-opt/tasks')
export {
  learnedOptTasks,
  loptCifar10TaskSpec,
  loptMnistTaskSpec,
  loptTaskOptions,
} from './tasks.js';
export type { LoptTaskOptions } from './tasks.js';
