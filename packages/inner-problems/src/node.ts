// The Node-only part of @pes/inner-problems ('@pes/inner-problems/node'): dataset loaders that
// read files, the tasks built on them, and the registry of every task. Everything else is in
// '@pes/inner-problems', which runs in browsers too.
import type { TaskSpec } from '@pes/core';
import { swimmerTaskSpec } from './control/swimmer.js';
import { influenceBalancingTaskSpec } from './synthetic/influence-balancing.js';
import { quadraticTaskSpec } from './synthetic/quadratic.js';
import { toyRegressionTaskSpec } from './synthetic/toy-regression.js';
import { cifar10MlpTaskSpec, mnistMlpTaskSpec } from './node/mlp-specs.js';

// Dataset files
export { loadEmbeddedMnist, loadMnistIdx, MNIST_NORMALIZATION } from './node/mnist.js';
export { CIFAR10_NORMALIZATION, loadCifar10 } from './node/cifar10.js';
export { loadImageData } from './node/load.js';
export type { DatasetName, LoadOptions } from './node/load.js';

// Tasks that load a dataset
export { cifar10MlpTaskSpec, mnistMlpTaskSpec } from './node/mlp-specs.js';

/** The tasks this package provides, by the name the command line uses. */
export const innerProblemTasks: readonly TaskSpec[] = [
  quadraticTaskSpec,
  influenceBalancingTaskSpec,
  toyRegressionTaskSpec,
  mnistMlpTaskSpec,
  cifar10MlpTaskSpec,
  swimmerTaskSpec,
];
