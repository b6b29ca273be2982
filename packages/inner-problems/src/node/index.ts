// The Node-only part of @pes/inner-problems ('@pes/inner-problems/node'): dataset loaders that
// read files, the tasks built on them, and the registry of every task. Everything else is in
// '@pes/inner-problems', which runs in browsers too.

// Dataset files
export { loadEmbeddedMnist, loadMnistIdx, MNIST_NORMALIZATION } from './mnist.js';
export { CIFAR10_NORMALIZATION, loadCifar10 } from './cifar10.js';
export { loadImageData } from './load.js';
export type { DatasetName, LoadOptions } from './load.js';

// The task registry, every task with its options and defaults (also '@pes/inner-problems/tasks')
export {
  charLstmTaskSpec,
  cifar10MlpTaskSpec,
  createImageTask,
  imageTaskFigures,
  innerProblemTasks,
  mnistMlpTaskSpec,
  sharedImageData,
} from './tasks.js';
