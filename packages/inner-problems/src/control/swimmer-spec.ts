import { defineTask, horizonOption } from '@pes/core';
import { z } from 'zod';

/**
 * The paper's Swimmer setup (docs/paper.md e): PES K = 100, σ 0.3, SGD 0.1; 10 antithetic
 * pairs; rewards normalised. MuJoCo loads only when a run builds the task.
 */
export const swimmerTaskSpec = defineTask({
  name: 'swimmer',
  description: 'MuJoCo Swimmer (3 links, 2 motors) with a linear policy; maximise summed reward',
  options: z.strictObject({ horizon: horizonOption.optional() }),
  defaults: {
    horizon: 1000,
    unrollLength: 100,
    particles: 20,
    sigma: 0.3,
    fitnessShaping: true,
    outerOptimizer: 'sgd',
    outerLr: 0.1,
    iterations: 500,
    checkpointEvery: 25,
  },
  estimatorDefaults: {
    tes: { sigma: 0.1, outerLr: 0.1 },
    es: { sigma: 0.3, outerLr: 0.3 },
  },
  figures: [{ key: 'evalReturn', label: 'eval return' }],
  parallel: true,
  async create({ horizon }) {
    const { loadSwimmerPhysics, swimmerTask } = await import('./swimmer.js');
    await loadSwimmerPhysics();
    return swimmerTask({ ...(horizon !== undefined ? { horizon } : {}) });
  },
});
