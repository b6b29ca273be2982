import { horizonOption, tensorBackendOption } from '@pes/core';
import { z } from 'zod';

/** What an image task can report as its per-step loss, with the words `pes list` uses. */
export const objectiveRegistry = [
  {
    name: 'train-loss',
    description: 'training loss of the minibatch each step trained on, summed over the unroll',
  },
  { name: 'val-loss', description: 'loss on a fresh held-out minibatch after each step, summed' },
  {
    name: 'val-accuracy',
    description:
      'minus the accuracy on a fresh held-out minibatch after each step (not differentiable)',
  },
] as const;

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;
/** formulation.ts's choices; written out so that these options load without tfjs. */
export const FORMULATION_CHOICES = ['auto', 'per-particle', 'batched'] as const;
export const DATASETS = ['mnist', 'cifar10'] as const;

const objective = z
  .enum(objectiveRegistry.map((o) => o.name) as ['train-loss', 'val-loss', 'val-accuracy'])
  .describe('per-step loss of the inner problem (pes list: objectives)')
  .meta({ aliases: ['meta-loss'], valueName: 'name' });

/**
 * The options of every task that trains an MLP classifier on images: which data, which network,
 * what the meta-objective measures. Tasks built on it pick the fields they read.
 */
export const imageTaskOptions = z.strictObject({
  horizon: horizonOption.optional(),
  dataset: z.enum(DATASETS).describe('dataset of an image task').optional(),
  dataDir: z
    .string()
    .min(1)
    .describe('directory of the official dataset files (MNIST IDX, CIFAR-10 binary)')
    .meta({ valueName: 'DIR' })
    .optional(),
  arch: z
    .string()
    .regex(/^\d+(-\d+)+$/, 'expected layer sizes joined by -, like 784-100-100-10')
    .describe('MLP layer sizes, e.g. 784-100-100-10')
    .meta({ valueName: 'sizes' })
    .optional(),
  batchSize: z
    .number()
    .int()
    .positive()
    // A minibatch is batch × features floats on the device, twice (it is transposed once).
    .max(100_000, 'at most 100,000 records a minibatch (it is held on the device, twice)')
    .describe('inner minibatch size')
    .meta({ flag: 'batch', valueName: 'B' })
    .optional(),
  activation: z.enum(ACTIVATIONS).describe('hidden activation').optional(),
  objective: objective.optional(),
  backend: tensorBackendOption.optional(),
  formulation: z
    .enum(FORMULATION_CHOICES)
    .describe(
      'per-particle networks, or all particles batched in rank-3 matMuls; auto: batched on tfjs-node, WebGL and WebGPU',
    )
    .optional(),
});

export type ImageTaskOptions = z.infer<typeof imageTaskOptions>;
