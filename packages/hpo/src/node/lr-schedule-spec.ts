import { defineTask } from '@pes/core';
import type { ImageData } from '@pes/inner-problems';
import {
  imageTaskFigures,
  imageTaskMemory,
  imageTaskOptions,
  sharedImageData,
} from '@pes/inner-problems/tasks';
import { z } from 'zod';
import { DEFAULT_KNOTS, findSchedule, scheduleRegistry } from '../schedule-registry.js';

const scheduleNames = scheduleRegistry.map((s) => s.name) as [string, ...string[]];

/** The image task's options, plus the schedule and the θ it starts from. */
export const lrScheduleOptions = imageTaskOptions.extend({
  schedule: z
    .enum(scheduleNames)
    .describe('learning-rate schedule (pes list: schedules)')
    .meta({ valueName: 'name' })
    .optional(),
  initialTheta: z
    // θ holds logarithms (of learning rates, of decay constants): e^±700 leaves float64's range.
    .array(
      z
        .number()
        .min(-700, 'at least −700 (θ is a logarithm)')
        .max(700, 'at most 700 (θ is a logarithm)'),
    )
    .min(1)
    // Every particle perturbs every number of θ, every unroll.
    .max(10_000, 'at most 10,000 numbers (every particle perturbs each of them)')
    .describe('θ to start from, comma-separated (its length sets the knots of piecewise)')
    .meta({ valueName: 'list' })
    .optional(),
});

export type LrScheduleOptions = z.infer<typeof lrScheduleOptions>;

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
