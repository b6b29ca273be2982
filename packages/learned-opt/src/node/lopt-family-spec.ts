import { defineTask, tensorBackendOption } from '@pes/core';
import { imageTaskFigures, imageTaskMemory } from '@pes/inner-problems/tasks';
import { z } from 'zod';
import { DEFAULT_TASK_FAMILY, type TaskFamily } from '../family/task-family.js';
import { taskFamilySchema } from './task-family-schema.js';

export const loptFamilyTaskOptions = z.strictObject({
  family: taskFamilySchema
    .describe(
      'the task family (datasets, depths, widths, activations, batchSizes, horizon {min, max}, evaluation; optionally conv {fraction, filters} for small conv nets among the draws): in a config file, or a JSON/YAML file',
    )
    .optional(),
  backend: tensorBackendOption.optional(),
});
export type LoptFamilyTaskOptions = z.infer<typeof loptFamilyTaskOptions>;

const familyOf = (options: { family?: TaskFamily | undefined }): TaskFamily =>
  options.family ?? DEFAULT_TASK_FAMILY;

/**
 * The fields every task spec over a task family shares (lopt-family's, lopt-normalized's): its
 * horizon in words, figures, backend, memory and the data its threads share.
 */
export const familySpecFields = {
  horizonInWords: `T drawn per episode (${DEFAULT_TASK_FAMILY.horizon.min}–${DEFAULT_TASK_FAMILY.horizon.max} by default)`,
  figures: imageTaskFigures,
  usesTensors: true,
  // Measured with pes bench backends for lopt-family: a learned optimizer's update is hundreds of
  // small ops a step, which tfjs-node dispatches at about twice wasm's cost; wasm was 1.3–1.8×
  // faster.
  preferredBackend: (): 'wasm' => 'wasm',
  parallel: true,
  memory: (settings: { family?: TaskFamily | undefined }) => familyMemory(familyOf(settings)),
  async sharedData(options: { family?: TaskFamily | undefined }) {
    const { loadFamilyData } = await import('./lopt-family-task.js');
    return loadFamilyData(familyOf(options), true);
  },
} as const;

/** The memory of a family task: its largest network on its largest dataset and minibatch. */
export function familyMemory(family: TaskFamily) {
  const widest = Math.max(...family.widths);
  const datasets = family.datasets.map((d) => d.name);
  const per = datasets.map((dataset) =>
    imageTaskMemory({
      dataset,
      arch: [
        dataset === 'mnist' ? 784 : 3072,
        ...Array<number>(Math.max(...family.depths)).fill(widest),
        10,
      ].join('-'),
      batchSize: Math.max(...family.batchSizes),
    }),
  );
  return {
    perParticle: Math.max(...per.map((m) => m.perParticle)),
    shared: per.reduce((a, m) => a + m.shared, 0),
  };
}

/**
 * The MLP learned optimizer meta-trained over a task family (docs/using-learned-optimizers.md):
 * every particle trains networks drawn from the family, a new one each episode.
 */
export const loptFamilyTaskSpec = defineTask({
  name: 'lopt-family',
  description:
    'MLP learned optimizer (θ: 1,762 numbers) meta-trained over a family of MLPs (widths, depths, activations, datasets, batch sizes, horizons); meta-loss on held-out data',
  options: loptFamilyTaskOptions,
  defaults: { sigma: 0.01, outerLr: 1e-3, particles: 16 },
  ...familySpecFields,
  async create(options, shared) {
    const { loptFamilyTask } = await import('./lopt-family-task.js');
    return loptFamilyTask(familyOf(options), shared);
  },
  async artifacts(theta, options) {
    const { learnedOptimizerJson } = await import('./weights-file.js');
    // Episodes never ran past the family's longest horizon: its step features are held there.
    const knobs = { stepFeatureLimit: familyOf(options).horizon.max };
    return [{ file: 'learned-optimizer.json', contents: learnedOptimizerJson(theta, knobs) }];
  },
});
