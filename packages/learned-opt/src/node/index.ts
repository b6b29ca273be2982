// The Node-only part of @pes/learned-opt ('@pes/learned-opt/node'): weights files, the tasks
// and evaluation problems that load a dataset from files, and the registry of every task. The learned optimizers
// themselves are in '@pes/learned-opt', which runs in browsers too.
export { loptTask } from './lopt-task.js';
export { loadFamilyData, loptFamilyTask } from './lopt-family-task.js';
export { loadEvaluationProblem } from './evaluation-problem.js';
export { loptNormalizedTask } from './lopt-normalized-task.js';
export { episodeLearningRate } from '../normalized/learning-rate-schedule.js';
export {
  learnedOptimizerJson,
  loadLearnedOptimizer,
  loadLearnedOptimizerWeights,
  mlpLoptArchitecture,
  saveLearnedOptimizer,
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  WeightsError,
} from './weights-file.js';
export {
  learnedOptTasks,
  loptCifar10TaskSpec,
  loptFamilyTaskSpec,
  loptNormalizedTaskSpec,
  taskFamilySchema,
  loptMnistTaskSpec,
  loptTaskOptions,
} from './tasks.js';
export type { LoptTaskOptions } from './tasks.js';
