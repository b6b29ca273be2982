import {
  mergeRunSettings,
  resolveRun as resolveTaskRun,
  runSettingsSchema,
  type ResolvedRun as TaskRun,
  type RunSettings,
  type TaskSpec,
} from '@pes/core';
import { z } from 'zod';
import { UsageError } from './errors.js';
import { findMethod, findTaskSpec, flagOf, runOptions, taskSpecs } from './catalog.js';

/** Every setting of a meta-training run, as written to config.json: the task's options included. */
export type RunConfig = RunSettings & { task: string } & Record<string, unknown>;

/**
 * A run resolved once (core's `resolveRun`): its spec, settings, the task's options with their
 * defaults, and `config`, the same flat, as config.json stores it and workers are sent it.
 */
export type ResolvedRun = TaskRun & { readonly config: RunConfig };

/**
 * The schema of one task's runs: its name, the estimator, the task's own options, then the
 * shared run settings (this order is config.json's). Strict: a setting the task does not read
 * is an error, not a silent no-op.
 */
export function runConfigSchema(spec: TaskSpec) {
  const { estimator, ...settings } = runSettingsSchema.shape;
  return z.strictObject({
    task: z.literal(spec.name),
    estimator,
    ...spec.options.shape,
    ...settings,
  });
}

/** One line per problem, each naming the field (or its flag), the value and what was expected. */
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
      const shown =
        value === undefined
          ? ''
          : ` (got ${typeof value === 'number' ? String(value) : JSON.stringify(value)})`;
      return `${path ? nameOf(path) : 'config'}: ${issue.message}${shown}`;
    })
    .join('; ');
}

/** A stored config.json, checked against its task's schema. */
export function validateConfig(input: unknown, source: string): RunConfig {
  const task = (input as { task?: unknown } | null)?.task;
  if (typeof task !== 'string') throw new UsageError(`${source}: no task named`);
  const parsed = runConfigSchema(findTaskSpec(task)).safeParse(input);
  if (!parsed.success) throw new UsageError(`${source}: ${describeIssues(parsed.error, input)}`);
  return parsed.data as RunConfig;
}

/** Why `field` cannot be set on `spec`, in the words of the command line. */
function refusal(spec: TaskSpec, field: string): string {
  const readers = runOptions().find((o) => o.field === field)?.tasks ?? [];
  const where = readers.length > 0 ? ` (read by ${readers.join(', ')})` : '';
  return `task ${spec.name} takes no ${flagOf(field)}${where}`;
}

/**
 * The shared base, overridden by the task's defaults, its per-estimator defaults, then the
 * settings the user gave (flags and config files): the run resolved once, here, where a bad
 * setting becomes one line naming its flag. Every given setting must be one the task reads.
 */
export function resolveRun(overrides: Partial<RunConfig> & { task: string }): ResolvedRun {
  const spec = findTaskSpec(overrides.task);
  const schema = runConfigSchema(spec);
  for (const [field, value] of Object.entries(overrides)) {
    if (value !== undefined && !(field in schema.shape)) throw new UsageError(refusal(spec, field));
  }
  const merged = mergeRunSettings(spec, overrides);
  merged.task = spec.name;
  const parsed = schema.safeParse(merged);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error, merged, flagOf));
  const run = resolveTaskRun(spec, parsed.data) as ResolvedRun;
  const { config } = run;
  const method = findMethod(config.estimator);
  const horizon = config.horizon as number | undefined;
  if (!method.ignoresUnroll && horizon !== undefined && config.unrollLength > horizon) {
    throw new UsageError(
      `--unroll ${config.unrollLength} is longer than the horizon --horizon ${horizon}`,
    );
  }
  return run;
}

/** A run's settings alone, flat (config.json's form): for a run described to another process. */
export function resolveConfig(overrides: Partial<RunConfig> & { task: string }): RunConfig {
  return resolveRun(overrides).config;
}

/** Each settable field's schema (the first task's where tasks share a field), for config files. */
export function fieldSchemas(): Record<string, z.ZodType> {
  const fields: Record<string, z.ZodType> = { task: z.string().min(1) };
  for (const spec of [...taskSpecs].reverse()) Object.assign(fields, spec.options.shape);
  Object.assign(fields, runSettingsSchema.shape);
  return fields;
}
