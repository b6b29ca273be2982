// The Node-only part of @pes/hpo ('@pes/hpo/node'): the tasks that load a dataset from files,
// and the registry of every task. The schedules are in '@pes/hpo', which runs in browsers too.
export { lrScheduleTask } from './lr-schedule-task-from-files.js';
export { hpoTasks, lrScheduleOptions, mnistLrScheduleTaskSpec } from './tasks.js';
export type { LrScheduleOptions } from './tasks.js';
export { modelTuningTaskFromFiles, tunedHyperparameters } from './model-tuning-from-files.js';
export type { TunedHyperparameters } from './model-tuning-from-files.js';
export { readTuningInputs } from './model-tuning-inputs.js';
export { readSearchSpace, searchBox, SearchSpaceError } from './search-space-file.js';
export type { TuningInputs } from './model-tuning-inputs.js';
export { modelTuningOptions, modelTuningTaskSpec, TUNING_LOSSES } from './tasks.js';
export type { ModelTuningOptions, ResolvedModelTuningOptions } from './model-tuning-options.js';
export { loadModelTopology, writeModelFiles } from './model-file.js';
