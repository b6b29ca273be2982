export {
  exponentialSchedule,
  inverseTimeDecaySchedule,
  linearSchedule,
  piecewiseLogLinearSchedule,
} from './schedules.js';
export type { Schedule } from './schedules.js';
export { findSchedule, scheduleRegistry } from './schedule-registry.js';
export type { ScheduleEntry } from './schedule-registry.js';
// The learning-rate schedule task loads a dataset from files: it and the task registry are
// exported from '@pes/hpo/node' (the registry alone: '@pes/hpo/tasks').
