import { estimatorRegistry, type RunDefaults } from '@pes/core';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { findTaskSpec } from './registry.js';

/** Not a gradient estimator: candidates θ evaluated on whole runs, at the same inner-step budget. */
export const RANDOM_SEARCH = 'random-search';

/** Every setting of a meta-training run, as written to config.json. */
export const runConfigSchema = z.strictObject({
  task: z.string().min(1),
  estimator: z.string().min(1),
  horizon: z.number().int().positive().optional(),
  dataset: z.enum(['mnist', 'cifar10']).optional(),
  dataDir: z.string().min(1).optional(),
  arch: z
    .string()
    .regex(/^\d+(-\d+)+$/, 'expected layer sizes joined by -, like 784-100-100-10')
    .optional(),
  batchSize: z.number().int().positive().optional(),
  activation: z.enum(['relu', 'tanh', 'sigmoid']).optional(),
  objective: z.enum(['train-loss', 'val-loss', 'val-accuracy']).optional(),
  schedule: z.enum(['inverse-time-decay', 'linear', 'exponential', 'piecewise']).optional(),
  initialTheta: z.array(z.number().finite()).min(1).optional(),
  unrollLength: z.number().int().positive(),
  particles: z.number().int().positive(),
  sigma: z.number().positive().finite(),
  antithetic: z.boolean(),
  stagger: z.boolean(),
  fitnessShaping: z.boolean(),
  outerOptimizer: z.enum(['sgd', 'momentum', 'adam']),
  outerLr: z.number().positive().finite(),
  adamB1: z.number().min(0).lt(1),
  adamB2: z.number().min(0).lt(1),
  momentum: z.number().min(0).lt(1),
  clipNorm: z.number().min(0).finite(),
  iterations: z.number().int().min(0),
  evalEvery: z.number().int().min(0),
  checkpointEvery: z.number().int().min(0),
  /** Also checkpoint when this many seconds have passed since the last one (0: off). */
  checkpointSeconds: z.number().min(0).finite().default(0),
  seed: z.number().int(),
});

export type RunConfig = z.infer<typeof runConfigSchema>;

/** One line per problem, each naming the field, the value and what was expected. */
export function describeIssues(
  error: z.ZodError,
  input: unknown,
  nameOf: (path: string) => string = (path) => path,
): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      let value: unknown = input;
      for (const part of issue.path)
        value = (value as Record<PropertyKey, unknown> | undefined)?.[part];
      const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
      return `${path ? nameOf(path) : 'config'}: ${issue.message}${shown}`;
    })
    .join('; ');
}

export function validateConfig(input: unknown, source: string): RunConfig {
  const parsed = runConfigSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(`${source}: ${describeIssues(parsed.error, input)}`);
  return parsed.data;
}

/** The command-line flag that sets a config field. */
export function flagOf(field: string): string {
  return field === 'unrollLength'
    ? '--unroll'
    : `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Task options that only some tasks read (horizon is checked by the task itself). */
const TASK_OPTIONS = [
  'dataset',
  'dataDir',
  'arch',
  'batchSize',
  'activation',
  'objective',
] as const;

/** The task's defaults, overridden by the flags the user gave. */
export function resolveConfig(overrides: Partial<RunConfig> & { task: string }): RunConfig {
  const spec = findTaskSpec(overrides.task);
  const defaults: RunDefaults = spec.defaults;
  const estimator = overrides.estimator ?? defaults.estimator;
  const merged: Record<string, unknown> = {
    ...defaults,
    ...spec.estimatorDefaults?.[estimator],
    task: spec.name,
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) merged[k] = v;
  const accepted = new Set<string>(spec.options ?? []);
  for (const option of TASK_OPTIONS) {
    if (overrides[option] !== undefined && !accepted.has(option)) {
      throw new UsageError(`task ${spec.name} takes no ${flagOf(option)}`);
    }
  }
  const parsed = runConfigSchema.safeParse(merged);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error, merged, flagOf));
  const config = parsed.data;
  const known = [...estimatorRegistry.map((e) => e.name), RANDOM_SEARCH];
  if (!known.includes(config.estimator)) {
    throw new UsageError(
      `unknown estimator '${config.estimator}'; known estimators: ${known.join(', ')}`,
    );
  }
  const fullHorizon = ['es', 'bptt', RANDOM_SEARCH].includes(config.estimator);
  if (!fullHorizon && config.horizon !== undefined && config.unrollLength > config.horizon) {
    throw new UsageError(
      `--unroll ${config.unrollLength} is longer than the horizon --horizon ${config.horizon}`,
    );
  }
  return config;
}
