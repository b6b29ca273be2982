// The registry entry: the choices without loading tfjs (the command line lists tasks from here).
import { ACTIVATIONS, DATASETS } from '@pes/inner-problems/tasks';
import { z } from 'zod';
import type { FamilyMember, TaskFamily } from '../family/task-family.js';

/** A task family as a run's setting (family/task-family.ts): every choice non-empty. */
const positiveIntegers = (what: string) =>
  z.array(z.number().int().positive()).min(1, `${what}: at least one`);

/** A log-uniform range of positive scales. */
const scaleRange = (what: string) =>
  z
    .strictObject({ min: z.number().positive(), max: z.number().positive() })
    .refine((r) => r.min <= r.max, `${what}: min must not exceed max`);

/** The side of each dataset's images at full size. */
const FULL_SIZE: Record<(typeof DATASETS)[number], number> = { mnist: 28, cifar10: 32 };

const memberSchema = z.strictObject({
  dataset: z.enum(DATASETS),
  hidden: z
    .array(z.number().int().positive())
    .min(1)
    .describe("hidden layer widths (a conv net's: each block's filters)"),
  network: z.literal('conv').optional().describe('a small conv net instead of an MLP'),
  activation: z.enum(ACTIVATIONS),
  batchSize: z.number().int().positive(),
  horizon: z.number().int().positive(),
}) satisfies z.ZodType<FamilyMember>;

export const taskFamilySchema = z
  .strictObject({
    datasets: z
      .array(
        z.strictObject({
          name: z.enum(DATASETS),
          dir: z.string().min(1).optional(),
          size: z
            .number()
            .int()
            .min(2)
            .max(32)
            .describe('take the images in grey, area-averaged down to size×size')
            .optional(),
        }),
      )
      .min(1, 'datasets: at least one')
      .refine(
        (ds) => new Set(ds.map((d) => d.name)).size === ds.length,
        'datasets: each dataset at most once',
      ),
    depths: positiveIntegers('depths'),
    widths: positiveIntegers('widths'),
    activations: z.array(z.enum(ACTIVATIONS)).min(1, 'activations: at least one'),
    batchSizes: positiveIntegers('batchSizes'),
    horizon: z
      .strictObject({ min: z.number().int().positive(), max: z.number().int().positive() })
      .refine((h) => h.min <= h.max, 'horizon: min must not exceed max'),
    evaluation: z.array(memberSchema).min(1, 'evaluation: at least one problem'),
    reparameterisation: z
      .strictObject({ lossScale: scaleRange('lossScale'), paramScale: scaleRange('paramScale') })
      .describe('log-uniform ranges of the loss scale and of each parameter tensor’s scale')
      .optional(),
    conv: z
      .strictObject({
        fraction: z.number().min(0).max(1),
        filters: positiveIntegers('conv.filters'),
      })
      .describe('the share of draws that are small conv nets, and their filters per block')
      .optional(),
  })
  .refine(
    (f) => f.evaluation.every((m) => f.datasets.some((s) => s.name === m.dataset)),
    'evaluation: every problem must use one of the family’s datasets',
  )
  .refine(
    (f) =>
      !f.conv ||
      f.datasets.every((d) => (d.size ?? FULL_SIZE[d.name]) >> Math.max(...f.depths) >= 1),
    'conv: each of the deepest conv net’s blocks halves the image: 2^depth must not exceed any dataset’s size',
  ) satisfies z.ZodType<TaskFamily>;
