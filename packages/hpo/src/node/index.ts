// The Node-only part of @pes/hpo ('@pes/hpo/node'): the tasks that load a dataset from files,
// and the registry of every task. The schedules are in '@pes/hpo', which runs in browsers too.
export { lrScheduleTask } from './lr-schedule-task-from-files.js';
export { hpoTasks, lrScheduleOptions, mnistLrScheduleTaskSpec } from './tasks.js';
export type { LrScheduleOptions } from './tasks.js';
