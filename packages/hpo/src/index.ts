export {
  exponentialSchedule,
  inverseTimeDecaySchedule,
  linearSchedule,
  piecewiseLogLinearSchedule,
} from './schedules.js';
export type { Schedule } from './schedules.js';
export { findSchedule, scheduleRegistry } from './schedule-registry.js';
export type { ScheduleEntry } from './schedule-registry.js';
export { lrScheduleTaskFromData } from './lr-schedule-task.js';
export type { LrScheduleTaskOptions } from './lr-schedule-task.js';
// The learning-rate schedule task on a dataset loaded from files, and the task registry, are
// exported from '@pes/hpo/node' (the registry alone: '@pes/hpo/tasks').
export { hyperparameterRegistry, findHyperparameter } from './tuning/hyperparameters.js';
export type {
  HyperparameterEntry,
  HyperparameterName,
  StepHyperparameters,
} from './tuning/hyperparameters.js';
export { resolveSearchSpace } from './tuning/search-space.js';
export type {
  ConstantSpec,
  ResolvedSpace,
  ScheduleSpec,
  SearchSpace,
  TunedValue,
} from './tuning/search-space.js';
export { modelTuningTask } from './tuning/model-tuning-task.js';
export type {
  ModelTuningState,
  ModelTuningTaskOptions,
  TuningData,
  TuningObjective,
} from './tuning/model-tuning-task.js';
export type { LossSpec } from './tuning/model-losses.js';
export { innerStep } from './tuning/inner-optimizers.js';
export { INNER_OPTIMIZERS } from './tuning/hyperparameters.js';
export type { InnerOptimizerName } from './tuning/hyperparameters.js';
export { TunedOptimizer } from './tuning/tuned-optimizer.js';
export { trainableLayers } from './tuning/model-layers.js';
export { tuneHyperparameters } from './tuning/tune-hyperparameters.js';
export type { TuneOptions, TuneProgress, TuneResult } from './tuning/tune-hyperparameters.js';
