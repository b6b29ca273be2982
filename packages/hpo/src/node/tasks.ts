/**
 * The tasks this package provides, as registry entries (implementations load when a run builds
 * them), and the schedules `--schedule` chooses from.
 */
import type { TaskSpec } from '@pes/core';
import { mnistLrScheduleTaskSpec } from './lr-schedule-spec.js';
import { modelTuningTaskSpec } from './model-tuning-spec.js';

export { mnistLrScheduleTaskSpec } from './lr-schedule-spec.js';
export { modelTuningTaskSpec } from './model-tuning-spec.js';
export { modelTuningOptions, TUNING_LOSSES } from './model-tuning-options.js';
export type { ModelTuningOptions } from './model-tuning-options.js';
export { lrScheduleOptions } from './lr-schedule-options.js';
export type { LrScheduleOptions } from './lr-schedule-options.js';
export { findSchedule, scheduleRegistry } from '../schedule-registry.js';
export type { ScheduleEntry } from '../schedule-registry.js';

export const hpoTasks: readonly TaskSpec[] = [mnistLrScheduleTaskSpec, modelTuningTaskSpec];
export { hyperparameterRegistry, INNER_OPTIMIZERS } from '../tuning/hyperparameters.js';
