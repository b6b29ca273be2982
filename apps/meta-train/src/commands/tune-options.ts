import { z } from 'zod';
import { baseRunSettings } from '@pes/core';
import { FORMULATION_CHOICES } from '@pes/inner-problems/tasks';
import { INNER_OPTIMIZERS, modelTuningTaskSpec, TUNING_LOSSES } from '@pes/hpo/tasks';
import { integerFlag, switchFlag, textFlag } from '../command-line.js';

/** The task's defaults, for help: they are stated there once. */
const DEFAULTS: Record<string, unknown> = { ...baseRunSettings, ...modelTuningTaskSpec.defaults };
const byDefault = (field: string) => `(default ${String(DEFAULTS[field])})`;

const numberFlag = (description: string, valueName: string) =>
  z.number().optional().describe(description).meta({ valueName });

/** The flags of `pes tune`: the task's options and run settings, and meta-train's own. */
export const tuneOptions = z.strictObject({
  model: textFlag("your model.json, as model.save('file://DIR') writes it", 'PATH'),
  train: textFlag('training data: CSV with a header row, numeric features and --label', 'CSV'),
  validation: textFlag('validation data: CSV with the same columns', 'CSV'),
  label: textFlag(`the label column of the CSV files ${byDefault('label')}`, 'COLUMN'),
  dataset: z
    .enum(['mnist', 'cifar10'])
    .optional()
    .describe('a built-in dataset instead of CSV files'),
  dataDir: textFlag('directory of the official MNIST or CIFAR-10 files', 'DIR'),
  hyperparameters: textFlag('the search space, YAML or JSON (docs/tuning-your-model.md)', 'PATH'),
  objective: z
    .enum(['val-accuracy', 'val-loss', 'train-loss'])
    .optional()
    .describe(`what PES minimises at each inner step ${byDefault('objective')}`),
  loss: z
    .enum(TUNING_LOSSES)
    .optional()
    .describe(`the model's training loss ${byDefault('loss')}`),
  innerOptimizer: z
    .enum(INNER_OPTIMIZERS)
    .optional()
    .describe(`the optimizer that trains the model ${byDefault('innerOptimizer')}`),
  horizon: integerFlag(
    `inner steps of one training run of the model ${byDefault('horizon')}`,
    'T',
  ).optional(),
  batchSize: z
    .int()
    .describe(`minibatch size ${byDefault('batchSize')}`)
    .meta({ flag: 'batch', valueName: 'B' })
    .optional(),
  formulation: z
    .enum(FORMULATION_CHOICES)
    .optional()
    .describe(
      `one pass per particle, or all particles at once (Dense, Conv2D, pooling and Flatten stacks); auto batches on tfjs-node ${byDefault('formulation')}`,
    ),
  particles: integerFlag(`PES particles, even ${byDefault('particles')}`, 'N').optional(),
  unrollLength: z
    .int()
    .describe(`inner steps per unroll ${byDefault('unrollLength')}`)
    .meta({ flag: 'unroll', valueName: 'K' })
    .optional(),
  iterations: integerFlag(`PES iterations ${byDefault('iterations')}`, 'I').optional(),
  sigma: numberFlag(`σ of the perturbations of θ ${byDefault('sigma')}`, 'S'),
  outerLr: numberFlag(`the outer Adam's step size on θ ${byDefault('outerLr')}`, 'LR'),
  estimator: textFlag(`gradient estimator ${byDefault('estimator')}`, 'name'),
  evalEvery: integerFlag(
    `retrain from scratch every I iterations ${byDefault('evalEvery')}`,
    'I',
  ).optional(),
  checkpointEvery: integerFlag(
    `checkpoint every I iterations ${byDefault('checkpointEvery')}`,
    'I',
  ).optional(),
  seed: integerFlag(`random seed ${byDefault('seed')}`, 'S').optional(),
  out: textFlag('run directory (default runs/tune-TIME)', 'DIR'),
  overwrite: switchFlag('replace the run already in --out'),
  resume: textFlag('continue the tuning run in DIR from its last checkpoint', 'DIR'),
  workers: integerFlag('worker threads, or with --redis the pes workers to attach', 'W').optional(),
  isolation: z.enum(['auto', 'threads', 'processes']).optional().describe('what a worker is'),
  redis: textFlag(
    "split the particles over `pes worker`s through Redis: a redis:// URL, or 'env' for PES_REDIS_URL (out of ps)",
    'URL',
  ),
  secretFile: textFlag("with --redis: the cluster's shared secret", 'PATH'),
  lease: numberFlag('with --redis: seconds of silence before a worker is given up', 'SECONDS'),
  wait: numberFlag('with --redis: seconds to wait for Redis and the workers', 'SECONDS'),
});

export type TuneFlags = z.output<typeof tuneOptions>;
