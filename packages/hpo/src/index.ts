export {
  exponentialSchedule,
  inverseTimeDecaySchedule,
  linearSchedule,
  piecewiseLogLinearSchedule,
} from './schedules.js';
export type { Schedule } from './schedules.js';
export { findSchedule, scheduleRegistry } from './schedule-registry.js';
export type { ScheduleEntry } from './schedule-registry.js';
export { lrScheduleTask, mnistLrScheduleTaskSpec } from './lr-schedule-task.js';

import type { TaskSpec } from '@pes/core';
import { mnistLrScheduleTaskSpec } from './lr-schedule-task.js';

/** The tasks this package provides, by the name the command line uses. */
export const hpoTasks: readonly TaskSpec[] = [mnistLrScheduleTaskSpec];
