import type { TaskSpec } from '@pes/core';
import { quadraticTaskSpec } from './synthetic/quadratic.js';

export { quadraticTaskSpec } from './synthetic/quadratic.js';

/** The tasks this package provides, by the name the command line uses. */
export const innerProblemTasks: readonly TaskSpec[] = [quadraticTaskSpec];
