import { defineTask, tensorBackendOption } from '@pes/core';
import { z } from 'zod';
import { DEFAULT_TASK_FAMILY, type TaskFamily } from '../family/task-family.js';
import { familySpecFields } from './lopt-family-spec.js';
import { taskFamilySchema } from './task-family-schema.js';

export const loptNormalizedTaskOptions = z.strictObject({
  family: taskFamilySchema
    .describe(
      'the task family (as lopt-family’s, with an optional reparameterisation {lossScale, paramScale} of log-uniform {min, max} ranges)',
    )
    .optional(),
  innerLr: z
    .number()
    .positive()
    // The direction is unit-RMS: a step of this size moves every weight by about this much.
    .max(10, 'at most 10 (each step moves every weight by about the learning rate)')
    .describe('the peak learning rate every episode steps at (the direction is unit-RMS)')
    .optional(),
  innerSchedule: z
    .enum(['constant', 'cosine', 'warmup-cosine'])
    .describe('each episode’s learning-rate schedule, over its own horizon')
    .optional(),
  fractionFeatures: z
    .boolean()
    .describe('give each episode its horizon as the total number of steps (fraction features)')
    .optional(),
  oneDimensional: z
    .enum(['learned', 'adam'])
    .describe('who steps parameters of rank ≤ 1 (biases): the learned optimizer or Adam')
    .optional(),
  backend: tensorBackendOption.optional(),
});
export type LoptNormalizedTaskOptions = z.infer<typeof loptNormalizedTaskOptions>;

const familyOf = (options: LoptNormalizedTaskOptions): TaskFamily =>
  options.family ?? DEFAULT_TASK_FAMILY;

/**
 * The normalised learned optimizer (issue 25) meta-trained over a task family: each particle
 * trains networks drawn from the family, reparameterised per draw when the family says so, each
 * episode at the learning-rate schedule over its own horizon.
 */
export const loptNormalizedTaskSpec = defineTask({
  name: 'lopt-normalized',
  description:
    'normalised learned optimizer (θ: 188 numbers; no step features, a unit-RMS direction times a schedule) meta-trained over a family of MLPs; meta-loss on held-out data',
  options: loptNormalizedTaskOptions,
  // An episode's peak learning rate is Adam's usual 1e-3: the direction is unit-RMS, so it is
  // the step; each episode's schedule runs over its own horizon.
  defaults: {
    sigma: 0.01,
    outerLr: 1e-3,
    particles: 16,
    innerLr: 1e-3,
    innerSchedule: 'cosine',
    fractionFeatures: false,
    oneDimensional: 'learned',
  },
  // As lopt-family's, WebAssembly among them (not measured for this optimizer yet).
  ...familySpecFields,
  async create(options, shared) {
    const { loptNormalizedTask } = await import('./lopt-normalized-task.js');
    return loptNormalizedTask(familyOf(options), options, shared);
  },
  async artifacts(theta, options) {
    const { normalizedLearnedOptimizerJson } =
      await import('../normalized/normalized-weights-json.js');
    const { innerLr, innerSchedule } = options;
    return [
      {
        file: 'learned-optimizer.json',
        contents: normalizedLearnedOptimizerJson(theta, { innerLr, innerSchedule }),
      },
    ];
  },
});
