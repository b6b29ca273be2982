/**
 * The tasks this package provides, as registry entries (implementations load when a run builds
 * them), and the schedules `--schedule` chooses from.
 */
import type { TaskSpec } from '@pes/core';
import { mnistLrScheduleTaskSpec } from './lr-schedule-spec.js';

export { mnistLrScheduleTaskSpec } from './lr-schedule-spec.js';
export { lrScheduleOptions } from './lr-schedule-options.js';
export type { LrScheduleOptions } from './lr-schedule-options.js';
export { findSchedule, scheduleRegistry } from '../schedule-registry.js';
export type { ScheduleEntry } from '../schedule-registry.js';

export const hpoTasks: readonly TaskSpec[] = [mnistLrScheduleTaskSpec];
