import { defaultLinearQuadraticConfig, linearQuadraticTask, type TaskSpec } from '@pes/core';

/**
 * The linear-quadratic system of @pes/core's tests as a runnable task: its smoothed
 * meta-gradient is known exactly, so it is the place to check an estimator or a pipeline.
 */
export const quadraticTaskSpec: TaskSpec = {
  name: 'quadratic',
  description: 'linear system driven by θ (2-D) with a quadratic loss; exact gradient known',
  defaults: {
    estimator: 'pes',
    horizon: 100,
    unrollLength: 10,
    particles: 100,
    sigma: 0.1,
    antithetic: true,
    stagger: true,
    fitnessShaping: false,
    outerOptimizer: 'adam',
    outerLr: 0.02,
    adamB1: 0.9,
    adamB2: 0.999,
    momentum: 0.9,
    clipNorm: 0,
    iterations: 500,
    evalEvery: 25,
    checkpointEvery: 50,
    seed: 0,
  },
  create: ({ horizon }) => linearQuadraticTask(defaultLinearQuadraticConfig(horizon ?? 100)),
};
