export {
  exponentialSchedule,
  inverseTimeDecaySchedule,
  linearSchedule,
  piecewiseLogLinearSchedule,
} from './schedules.js';
export type { Schedule } from './schedules.js';
export { lrScheduleTask } from './lr-schedule-task.js';

// The task registry (also the light entry '@pes/hpo/tasks')
export {
  findSchedule,
  hpoTasks,
  lrScheduleOptions,
  mnistLrScheduleTaskSpec,
  scheduleRegistry,
} from './tasks.js';
export type { LrScheduleOptions, ScheduleEntry } from './tasks.js';
