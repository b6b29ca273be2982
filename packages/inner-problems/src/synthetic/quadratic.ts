import {
  defaultLinearQuadraticConfig,
  defineTask,
  horizonOption,
  linearQuadraticTask,
} from '@pes/core';
import { z } from 'zod';

/**
 * The linear-quadratic system of @pes/core's tests as a runnable task: its smoothed
 * meta-gradient is known exactly, so it is the place to check an estimator or a pipeline.
 */
export const quadraticTaskSpec = defineTask({
  name: 'quadratic',
  description: 'linear system driven by θ (2-D) with a quadratic loss; exact gradient known',
  options: z.strictObject({ horizon: horizonOption.optional() }),
  defaults: { horizon: 100, particles: 100, outerLr: 0.02, iterations: 500, checkpointEvery: 50 },
  create: async ({ horizon }) => linearQuadraticTask(defaultLinearQuadraticConfig(horizon)),
});
