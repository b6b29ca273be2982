import { defineTask } from '@pes/core';
import { imageTaskFigures } from '@pes/inner-problems/tasks';
import { modelTuningOptions } from './model-tuning-options.js';
import { searchBox } from './search-space-file.js';

/**
 * `model-tuning` (`pes tune`): PES tunes the hyperparameters and schedules of a user's saved
 * tfjs-layers model on their CSV files or a built-in dataset, as any task is meta-trained, so
 * run directories, checkpoints, --resume, --workers and --redis all apply. Defaults are
 * tuneHyperparameters's: N = 8, K = 20, σ = 0.3, Adam 0.1 on θ, T = 2000, 200 iterations.
 */
export const modelTuningTaskSpec = defineTask({
  name: 'model-tuning',
  description: 'hyperparameters and schedules of your own tfjs-layers model (pes tune)',
  options: modelTuningOptions,
  defaults: {
    label: 'label',
    innerOptimizer: 'momentum',
    loss: 'auto',
    objective: 'val-loss',
    horizon: 2000,
    batchSize: 64,
    formulation: 'auto',
    particles: 8,
    unrollLength: 20,
    sigma: 0.3,
    outerLr: 0.1,
    iterations: 200,
    evalEvery: 100,
    checkpointEvery: 10,
  },
  figures: imageTaskFigures,
  usesTensors: true,
  parallel: true,
  searchSpace(options) {
    return searchBox(options);
  },
  async create(options) {
    const { modelTuningTaskFromFiles } = await import('./model-tuning-from-files.js');
    return modelTuningTaskFromFiles(options);
  },
  async artifacts(theta, options) {
    const { tunedHyperparameters } = await import('./model-tuning-from-files.js');
    return [
      {
        file: 'hyperparameters.json',
        contents: `${JSON.stringify(await tunedHyperparameters(theta, options), null, 2)}\n`,
      },
    ];
  },
});
