/**
 * The tasks this package provides, as registry entries: names, options, defaults and figures,
 * with each implementation (tfjs, MuJoCo, datasets) loaded only when a run builds the task.
 * Importing this entry is cheap; the command line lists, validates and prints help from it.
 */
import type { TaskSpec } from '@pes/core';
import { swimmerTaskSpec } from '../control/swimmer-spec.js';
import { cifar10MlpTaskSpec, mnistMlpTaskSpec } from './mlp-specs.js';
import { influenceBalancingTaskSpec } from '../synthetic/influence-balancing.js';
import { quadraticTaskSpec } from '../synthetic/quadratic.js';
import { toyRegressionTaskSpec } from '../synthetic/toy-regression.js';
import { charLstmTaskSpec } from './char-lstm-spec.js';

export { swimmerTaskSpec } from '../control/swimmer-spec.js';
export {
  cifar10MlpTaskSpec,
  createImageTask,
  imageTaskFigures,
  mnistMlpTaskSpec,
  imageTaskMemory,
  sharedImageData,
} from './mlp-specs.js';
export {
  ACTIVATIONS,
  DATASETS,
  FORMULATION_CHOICES,
  imageTaskOptions,
  objectiveRegistry,
} from '../mlp/options.js';
export type { ImageTaskOptions } from '../mlp/options.js';
export { influenceBalancingTaskSpec } from '../synthetic/influence-balancing.js';
export { quadraticTaskSpec } from '../synthetic/quadratic.js';
export { toyRegressionTaskSpec } from '../synthetic/toy-regression.js';
export { charLstmTaskSpec } from './char-lstm-spec.js';

export const innerProblemTasks: readonly TaskSpec[] = [
  quadraticTaskSpec,
  influenceBalancingTaskSpec,
  toyRegressionTaskSpec,
  mnistMlpTaskSpec,
  cifar10MlpTaskSpec,
  swimmerTaskSpec,
  charLstmTaskSpec,
];
