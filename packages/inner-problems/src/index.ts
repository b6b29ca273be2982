import type { TaskSpec } from '@pes/core';
import { influenceBalancingTaskSpec } from './synthetic/influence-balancing.js';
import { quadraticTaskSpec } from './synthetic/quadratic.js';
import { toyRegressionTaskSpec } from './synthetic/toy-regression.js';

export {
  INFLUENCE_EVAL_STEPS,
  INFLUENCE_STATE_SIZE,
  influenceBalancingTask,
  influenceBalancingTaskSpec,
} from './synthetic/influence-balancing.js';
export type { InfluenceBalancingTask, InfluenceState } from './synthetic/influence-balancing.js';
export { quadraticTaskSpec } from './synthetic/quadratic.js';
export {
  TOY_HORIZON,
  toyLoss,
  toyRegressionTask,
  toyRegressionTaskSpec,
} from './synthetic/toy-regression.js';
export type { ToyRegressionState, ToyRegressionTask } from './synthetic/toy-regression.js';

/** The tasks this package provides, by the name the command line uses. */
export const innerProblemTasks: readonly TaskSpec[] = [
  quadraticTaskSpec,
  influenceBalancingTaskSpec,
  toyRegressionTaskSpec,
];
