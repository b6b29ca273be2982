import { imageTaskOptions } from '@pes/inner-problems/tasks';
import { z } from 'zod';
import { INNER_OPTIMIZERS } from '../tuning/hyperparameters.js';

/** The losses `pes tune` knows by name; `auto` picks one from the model's output and labels. */
export const TUNING_LOSSES = [
  'auto',
  'categoricalCrossentropy',
  'binaryCrossentropy',
  'meanSquaredError',
] as const;

const path = (what: string, valueName = 'PATH') =>
  z.string().min(1).describe(what).meta({ valueName }).optional();

/**
 * The options of `model-tuning` (`pes tune`): a user's saved tfjs-layers model, its data (two CSV
 * files, or a built-in dataset), the search space file, and how one training run goes. Paths
 * are plain data, so that every worker builds the same task from them.
 */
export const modelTuningOptions = z.strictObject({
  model: path("the model to tune: a tfjs-layers model.json, as model.save('file://DIR') writes it"),
  train: path('training data: CSV with a header row, the --label column and numeric features'),
  validation: path('validation data: CSV with the training file’s columns'),
  label: z
    .string()
    .min(1)
    .describe('the label column of the CSV files')
    .meta({ valueName: 'COLUMN' })
    .optional(),
  dataset: imageTaskOptions.shape.dataset,
  dataDir: imageTaskOptions.shape.dataDir,
  hyperparameters: path(
    'search space: a YAML or JSON file (docs/tuning-your-model.md), or the space itself as JSON',
    'PATH|JSON',
  ),
  innerOptimizer: z
    .enum(INNER_OPTIMIZERS)
    .describe('the optimizer each particle trains the model with')
    .optional(),
  loss: z
    .enum(TUNING_LOSSES)
    .describe("the model's training loss; auto: cross-entropy for classes, squared error else")
    .optional(),
  objective: imageTaskOptions.shape.objective,
  horizon: imageTaskOptions.shape.horizon,
  batchSize: imageTaskOptions.shape.batchSize,
  backend: imageTaskOptions.shape.backend,
  formulation: imageTaskOptions.shape.formulation,
});

export type ModelTuningOptions = z.infer<typeof modelTuningOptions>;

/** The options once a run is resolved: those `model-tuning` gives a default are present. */
export type ResolvedModelTuningOptions = ModelTuningOptions &
  Required<
    Pick<
      ModelTuningOptions,
      'label' | 'innerOptimizer' | 'loss' | 'objective' | 'horizon' | 'batchSize' | 'formulation'
    >
  >;
