import type { TaskSpec } from '@pes/core';
import { swimmerTaskSpec } from './control/swimmer.js';
import { cifar10MlpTaskSpec, mnistMlpTaskSpec } from './mlp/specs.js';
import { influenceBalancingTaskSpec } from './synthetic/influence-balancing.js';
import { quadraticTaskSpec } from './synthetic/quadratic.js';
import { toyRegressionTaskSpec } from './synthetic/toy-regression.js';

// Synthetic tasks
export {
  INFLUENCE_EVAL_STEPS,
  INFLUENCE_STATE_SIZE,
  influenceBalancingTask,
  influenceBalancingTaskSpec,
} from './synthetic/influence-balancing.js';
export type { InfluenceBalancingTask, InfluenceState } from './synthetic/influence-balancing.js';
export { quadraticTaskSpec } from './synthetic/quadratic.js';
export {
  TOY_HORIZON,
  toyLoss,
  toyRegressionTask,
  toyRegressionTaskSpec,
} from './synthetic/toy-regression.js';
export type { ToyRegressionState, ToyRegressionTask } from './synthetic/toy-regression.js';

// Datasets
export {
  assertLabels,
  classCounts,
  DataError,
  fillBatch,
  permutation,
  recordCount,
  sampleBatch,
  splitTrainValidation,
  subset,
} from './data/dataset.js';
export type { ImageDataset } from './data/dataset.js';
export { loadEmbeddedMnist, loadMnistIdx, MNIST_NORMALIZATION } from './data/mnist.js';
export { CIFAR10_NORMALIZATION, loadCifar10 } from './data/cifar10.js';
export { loadImageData } from './data/load.js';
export type { DatasetName, ImageData, LoadOptions } from './data/load.js';

// Particle-batched MLP training
export {
  evaluateBatch,
  initialParameters,
  lossAndGradients,
  oneHotLabels,
  parseArchitecture,
  toBatch,
} from './mlp/network.js';
export type { Activation, Architecture, Batch } from './mlp/network.js';
export {
  adamTensor,
  applyTensorUpdates,
  learningRateAt,
  momentumTensor,
  sgdTensor,
} from './mlp/tensor-optimizers.js';
export type { LearningRate, LearningRateFamily, TensorOptimizer } from './mlp/tensor-optimizers.js';
export { constantLearningRateRule, innerUpdateRule, learningRateRule } from './mlp/update-rule.js';
export type { InnerUpdateRule, TensorOptimizerFamily } from './mlp/update-rule.js';
export { imageClassificationTask } from './mlp/image-classification.js';
export { datasetFigures, evaluationFigures, evaluationSet } from './mlp/dataset-figures.js';
export type { EvaluationSet } from './mlp/dataset-figures.js';
export { trainNetwork } from './mlp/train-network.js';
export type { CurvePoint, TrainNetworkOptions, TrainNetworkResult } from './mlp/train-network.js';
export {
  BEST_ADAM_SELECTION,
  compareOptimizers,
  EVALUATION_KEY,
} from './mlp/compare-optimizers.js';
export type {
  AdamGridPoint,
  CompareOptimizersOptions,
  OptimizerComparison,
  OptimizerEvaluation,
  SeedRun,
} from './mlp/compare-optimizers.js';
export type {
  ImageClassificationOptions,
  ImageClassificationTask,
  MlpState,
  Objective,
} from './mlp/image-classification.js';

export { cifar10MlpTaskSpec, mnistMlpTaskSpec } from './mlp/specs.js';

// Continuous control
export {
  CONTROL_COST,
  FRAME_SKIP,
  loadSwimmerPhysics,
  SWIMMER_OBS,
  swimmerTask,
  swimmerTaskSpec,
} from './control/swimmer.js';
export type { SwimmerState, SwimmerTask } from './control/swimmer.js';
export { SWIMMER_XML } from './control/swimmer-model.js';

// Text
export { charLstmTask, sequenceOf, vocabularyOf } from './text/char-lstm.js';
export type { CharLstmOptions, CharLstmState, TextKind } from './text/char-lstm.js';

/** The tasks this package provides, by the name the command line uses. */
export const innerProblemTasks: readonly TaskSpec[] = [
  quadraticTaskSpec,
  influenceBalancingTaskSpec,
  toyRegressionTaskSpec,
  mnistMlpTaskSpec,
  cifar10MlpTaskSpec,
  swimmerTaskSpec,
];
