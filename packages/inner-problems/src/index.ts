// Registry entries that run anywhere (the whole registry: '@pes/inner-problems/tasks')
export {
  ACTIVATIONS,
  DATASETS,
  FORMULATION_CHOICES,
  imageTaskOptions,
  objectiveRegistry,
} from './mlp/options.js';
export type { ImageTaskOptions } from './mlp/options.js';
export { influenceBalancingTaskSpec } from './synthetic/influence-balancing.js';
export { quadraticTaskSpec } from './synthetic/quadratic.js';
export { toyRegressionTaskSpec } from './synthetic/toy-regression.js';
export { swimmerTaskSpec } from './control/swimmer-spec.js';

// Synthetic tasks
export {
  INFLUENCE_EVAL_STEPS,
  INFLUENCE_STATE_SIZE,
  influenceBalancingTask,
} from './synthetic/influence-balancing.js';
export type { InfluenceBalancingTask, InfluenceState } from './synthetic/influence-balancing.js';
export { TOY_HORIZON, toyLoss, toyRegressionTask } from './synthetic/toy-regression.js';
export type { ToyRegressionState, ToyRegressionTask } from './synthetic/toy-regression.js';

// Datasets
export {
  assertLabels,
  classCounts,
  DataError,
  fillBatch,
  permutation,
  recordCount,
  shareImageData,
  sampleBatch,
  splitTrainValidation,
  subset,
} from './data/dataset.js';
export type { ImageData, ImageDataset } from './data/dataset.js';
export { greyDownsample, greyDownsampleData } from './data/grey-downsample.js';
// Loaders of dataset files, the tasks that load them and the task registry are exported from
// '@pes/inner-problems/node'.

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
export type { BatchedUpdate, InnerUpdateRule, TensorOptimizerFamily } from './mlp/update-rule.js';
export { BATCHED_BACKENDS, resolveFormulation } from './mlp/formulation.js';
export { copyParticle, gatherParticles, resetParticles } from './particle-tensors.js';
export type { ParticleTensors } from './particle-tensors.js';
export type { Formulation } from './mlp/formulation.js';
export {
  batchedEvaluateBatch,
  batchedLossAndGradients,
  stackParticles,
  unstackParticles,
} from './mlp/batched-network.js';
export { imageClassificationTask } from './mlp/image-classification.js';
export { datasetFigures, evaluationFigures, evaluationSet } from './mlp/dataset-figures.js';
export type { EvaluationSet } from './mlp/dataset-figures.js';
export { classifierOf, trainNetwork } from './mlp/train-network.js';
export type {
  CurvePoint,
  NetworkChoice,
  TrainNetworkOptions,
  TrainNetworkResult,
} from './mlp/train-network.js';
export { mlpClassifier } from './mlp/classifier.js';
export type { Classifier } from './mlp/classifier.js';
export { convNetwork } from './conv/conv-network.js';
export { autoencoderNetwork } from './mlp/autoencoder-network.js';
export type { ConvNetworkOptions } from './conv/conv-network.js';
export { smallConvNetwork } from './conv/small-conv-network.js';
export type { SmallConvNetworkOptions } from './conv/small-conv-network.js';
export {
  BEST_ADAM_SELECTION,
  bestByFinalTrainingLoss,
  bestByFinalValidationLoss,
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

// tfjs kernels the WebAssembly backend lacks (conv layers' gradients)
export { registerWasmConvGradients } from './tfjs-kernels/wasm-conv-gradients.js';
export { im2colTransposed } from './tfjs-kernels/im2col.js';
export type { ConvGeometry } from './tfjs-kernels/im2col.js';
export { convClassifier, timeConvTrainingStep } from './tfjs-kernels/conv-step-timing.js';
export type { ConvStepTiming } from './tfjs-kernels/conv-step-timing.js';

// Continuous control
export {
  CONTROL_COST,
  FRAME_SKIP,
  loadSwimmerPhysics,
  SWIMMER_OBS,
  swimmerTask,
} from './control/swimmer.js';
export type { SwimmerState, SwimmerTask } from './control/swimmer.js';
export { SWIMMER_XML } from './control/swimmer-model.js';

// Text
export { charLstmTask, sequenceOf, vocabularyOf } from './text/char-lstm.js';
export type { CharLstmOptions, CharLstmState, TextKind } from './text/char-lstm.js';
export { DEFAULT_TEXT } from './text/default-text.js';
export { charWindows } from './text/char-windows.js';
export { charLstmNetwork } from './text/char-lstm-network.js';
export type { CharLstmNetworkOptions } from './text/char-lstm-network.js';
