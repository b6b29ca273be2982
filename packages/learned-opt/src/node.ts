// The Node-only part of @pes/learned-opt ('@pes/learned-opt/node'): weights files, the tasks
// that load a dataset from files, and the registry of every task. The learned optimizers
// themselves are in '@pes/learned-opt', which runs in browsers too.
import type { TaskSpec } from '@pes/core';
import { loptCifar10TaskSpec, loptMnistTaskSpec } from './node/lopt-task.js';

export { initialLoptTheta, loptCifar10TaskSpec, loptMnistTaskSpec } from './node/lopt-task.js';
export {
  loadLearnedOptimizer,
  mlpLoptArchitecture,
  saveLearnedOptimizer,
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  WeightsError,
} from './node/weights-file.js';

/** The tasks this package provides, by the name the command line uses. */
export const learnedOptTasks: readonly TaskSpec[] = [loptMnistTaskSpec, loptCifar10TaskSpec];
