/** The tasks this package provides, as registry entries (implementations load when a run builds them). */
import type { TaskSpec } from '@pes/core';
import { loptFamilyTaskSpec } from './lopt-family-spec.js';
import { loptNormalizedTaskSpec } from './lopt-normalized-spec.js';
import { loptCifar10TaskSpec, loptMnistTaskSpec } from './lopt-spec.js';

export { loptCifar10TaskSpec, loptMnistTaskSpec } from './lopt-spec.js';
export { loptTaskOptions } from './lopt-options.js';
export type { LoptTaskOptions } from './lopt-options.js';
export { loptFamilyTaskOptions, loptFamilyTaskSpec } from './lopt-family-spec.js';
export { taskFamilySchema } from './task-family-schema.js';
export type { LoptFamilyTaskOptions } from './lopt-family-spec.js';
export { loptNormalizedTaskOptions, loptNormalizedTaskSpec } from './lopt-normalized-spec.js';
export type { LoptNormalizedTaskOptions } from './lopt-normalized-spec.js';

export const learnedOptTasks: readonly TaskSpec[] = [
  loptMnistTaskSpec,
  loptCifar10TaskSpec,
  loptFamilyTaskSpec,
  loptNormalizedTaskSpec,
];
