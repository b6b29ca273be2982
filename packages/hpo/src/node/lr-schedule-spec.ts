import { defineTask } from '@pes/core';
import type { ImageData } from '@pes/inner-problems';
import { imageTaskFigures, imageTaskMemory, sharedImageData } from '@pes/inner-problems/tasks';
import { DEFAULT_KNOTS, findSchedule } from '../schedule-registry.js';
import { lrScheduleOptions } from './lr-schedule-options.js';

/**
 * `mnist-lr-schedule`: the paper's settings (T = 5000, K = 10, σ = 0.1, Adam 1e-2, θ from
 * (log 0.003, log 30)) with N = 8 particles and 500 iterations instead of N = 1000 and 5000
 * iterations, which a 2-core machine cannot afford.
 */
export const mnistLrScheduleTaskSpec = defineTask({
  name: 'mnist-lr-schedule',
  description: 'learning-rate schedule of momentum SGD training an MNIST MLP (paper section c)',
  options: lrScheduleOptions,
  defaults: {
    horizon: 5000,
    dataset: 'mnist',
    batchSize: 100,
    activation: 'relu',
    objective: 'train-loss',
    schedule: 'inverse-time-decay',
    iterations: 500,
    evalEvery: 250,
    checkpointEvery: 25,
  },
  figures: imageTaskFigures,
  usesTensors: true,
  parallel: true,
  memory: (settings) => imageTaskMemory(settings),
  sharedData: (options) => sharedImageData(options),
  async create(options, shared) {
    const { lrScheduleTask } = await import('./lr-schedule-task-from-files.js');
    return lrScheduleTask(options, shared as ImageData | undefined);
  },
  searchSpace(options) {
    const entry = findSchedule(options.schedule);
    return entry.searchSpace(options.initialTheta?.length ?? DEFAULT_KNOTS);
  },
  describeTheta(theta, options) {
    const horizon = options.horizon;
    const schedule = findSchedule(options.schedule).create(horizon);
    const at = [0, Math.round(horizon / 10), Math.round(horizon / 2), horizon];
    return `learning rate ${at.map((t) => `${schedule.rate(theta, t).toPrecision(3)} at t = ${t}`).join(', ')}`;
  },
});
