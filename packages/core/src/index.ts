// Engine-independent elementary functions: the same bits in every JavaScript engine
export { cos, exp, expm1, log, log1p, pow, sigmoid, sin, sincos, tanh } from './elementary.js';

// Random keys
export { assertKey, foldIn, makeKey, normal, randomIntegers, split, uniform } from './random.js';
export type { Key } from './random.js';

// The task interface
export type {
  DifferentiableUnroll,
  Evaluation,
  ForwardMode,
  InitOptions,
  StepJacobians,
  Task,
  UnrollResult,
} from './task.js';
export { truncationSchedule } from './truncation-schedule.js';
export type { TruncationSchedule, UnrollEpisodes } from './truncation-schedule.js';

// Estimators: the pure maths, the estimators around it, the registry
export {
  lastEpisodeEnd,
  pesAccumulators,
  pesAnalyticGradient,
  perturbationGradient,
  perturbations,
  perturbedThetas,
  tileTheta,
} from './estimators/pes-gradient.js';
export type {
  PesAnalyticInput,
  PerturbationGradientInput,
  PerturbationGradientOutput,
} from './estimators/pes-gradient.js';
export { persistentEs } from './estimators/pes.js';
export type { PesState } from './estimators/pes.js';
export { truncatedEs } from './estimators/truncated-es.js';
export type { TruncatedEsState } from './estimators/truncated-es.js';
export { fullEs } from './estimators/full-es.js';
export type { FullEsState } from './estimators/full-es.js';
export { noiseReuseEs } from './estimators/noise-reuse-es.js';
export type { NoiseReuseEsState } from './estimators/noise-reuse-es.js';
export { bptt, tbptt } from './estimators/backprop.js';
export { rtrl, uoro } from './estimators/forward-mode.js';
export { pesAnalytic } from './estimators/pes-analytic.js';
export type { BpttState, TbpttState } from './estimators/backprop.js';
export {
  estimatorRegistry,
  estimatorUnsupportedReason,
  findEstimator,
} from './estimators/estimator-registry.js';
export type { EstimatorEntry, MethodDescription } from './estimators/estimator-registry.js';
export type {
  Estimate,
  EstimateMetrics,
  EstimatorSettings,
  GradientEstimator,
} from './estimators/types.js';

// Outer optimizers
export { applyUpdates } from './optimizers/types.js';
export type { GradientTransformation } from './optimizers/types.js';
export {
  adam,
  chain,
  clipByGlobalNorm,
  momentum,
  scale,
  scaleByAdam,
  sgd,
  traceMomentum,
} from './optimizers/transforms.js';
export type { AdamSettings, AdamState, MomentumState } from './optimizers/transforms.js';

// Meta-training loop and checkpoints
export { createMetaTrainer, runMetaTraining } from './meta-trainer.js';
export type {
  HistoryEntry,
  IterationRecord,
  MetaTrainCounters,
  MetaTrainer,
  MetaTrainSettings,
  MetaTrainState,
  RunOptions,
} from './meta-trainer.js';
export { decodeState, encodeState } from './codec.js';
export { base64ToBytes, bytesToBase64 } from './base64.js';
// Checkpoint files need a file system: they are exported from '@pes/core/node'.

// A test problem with a closed-form smoothed gradient, for checking estimators
export { defaultLinearQuadraticConfig, linearQuadraticTask } from './testing/linear-quadratic.js';
export type {
  LinearQuadraticConfig,
  LinearQuadraticState,
  LinearQuadraticTask,
} from './testing/linear-quadratic.js';

// Registries: tasks and run settings that describe themselves
export { defineTask } from './task-spec.js';
export type { TaskArtifact, TaskFigure, TaskSpec } from './task-spec.js';
export { estimateRunMemory, MEMORY_HEADROOM, RUNTIME_BYTES } from './run-memory.js';
export type { TaskMemory } from './task-spec.js';
export { baseRunSettings, horizonOption, runSettingsSchema } from './run/run-settings.js';
export type { OuterOptimizerName, RunSettings } from './run/run-settings.js';
export { TENSOR_BACKENDS, tensorBackendOption } from './run/tensor-backend.js';
export type { TensorBackend } from './run/tensor-backend.js';
export { outerOptimizerOf, runTrainer } from './run/run-trainer.js';
export {
  mergeRunSettings,
  resolveRun,
  resolveTaskOptions,
  reviseRun,
  splitRunSettings,
} from './run/resolve.js';
export type { ResolvedRun } from './run/resolve.js';
export { describeOptions, flagName } from './run/options.js';
export type { OptionDescription, OptionMeta } from './run/options.js';

// Random search, as a meta-trainer over the same loop
export { createRandomSearch, randomSearchMethod } from './random-search.js';
export type { RandomSearchSettings } from './random-search.js';

// Analyses
export { unrollVariance } from './analysis/unroll-variance.js';
export type { UnrollVarianceSettings, UnrollVariancePoint } from './analysis/unroll-variance.js';
export { meanAndStd, median } from './analysis/statistics.js';
export type { MeanAndStd } from './analysis/statistics.js';
export { thetaGridCells, thetaSurface } from './analysis/theta-grid.js';
export type { ThetaGridCell, ThetaRange } from './analysis/theta-grid.js';

// How particles are split into shards, and task snapshots joined and split across them
export { shardCounts, shardStarts } from './sharding/layout.js';
export { joinSnapshots, sliceSnapshot } from './sharding/snapshots.js';
// What a sharded task asks of a shard, and which requests change its states
export { isShardOp, SHARD_OPERATIONS } from './sharding/protocol.js';
export type {
  ShardMeta,
  ShardOp,
  ShardOperation,
  ShardOperationTypes,
  ShardRequest,
  ShardResult,
  ShardUnroll,
  TaskFactory,
} from './sharding/protocol.js';
