import { imageTaskOptions } from '@pes/inner-problems/tasks';
import { z } from 'zod';
import { scheduleRegistry } from '../schedule-registry.js';

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
