// The Node-only part of @pes/hpo ('@pes/hpo/node'): the tasks that load a dataset from files,
// and the registry of every task. The schedules are in '@pes/hpo', which runs in browsers too.
import type { TaskSpec } from '@pes/core';
import { mnistLrScheduleTaskSpec } from './node/lr-schedule-task.js';

export { lrScheduleTask, mnistLrScheduleTaskSpec } from './node/lr-schedule-task.js';

/** The tasks this package provides, by the name the command line uses. */
export const hpoTasks: readonly TaskSpec[] = [mnistLrScheduleTaskSpec];
