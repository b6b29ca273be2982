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
