import type { TaskSpec } from '../task-spec.js';
import { baseRunSettings, runSettingsSchema, type RunSettings } from './run-settings.js';

/**
 * The settings of one run of `spec`, in the one order every front end applies them: the shared
 * base (`baseRunSettings`), the task's defaults, its defaults for the run's estimator, then what
 * the user gave (a field given as `undefined` is not given). Not validated: the command line
 * checks the result against the task's whole schema (to name the flag at fault), the browser
 * with `splitRunSettings`.
 */
export function mergeRunSettings(
  spec: TaskSpec,
  given: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const chosen = given.estimator ?? spec.defaults.estimator ?? baseRunSettings.estimator;
  const estimator = typeof chosen === 'string' ? chosen : baseRunSettings.estimator;
  const merged: Record<string, unknown> = {
    ...baseRunSettings,
    ...spec.defaults,
    ...spec.estimatorDefaults?.[estimator],
  };
  for (const [field, value] of Object.entries(given))
    if (value !== undefined) merged[field] = value;
  return merged;
}

/** Merged settings split into the run's settings and the task's options, each validated. */
export function splitRunSettings(
  spec: TaskSpec,
  merged: Readonly<Record<string, unknown>>,
): { settings: RunSettings; options: Record<string, unknown> } {
  const pick = (fields: object) =>
    Object.fromEntries(Object.keys(fields).flatMap((k) => (k in merged ? [[k, merged[k]]] : [])));
  return {
    settings: runSettingsSchema.parse(pick(runSettingsSchema.shape)),
    options: spec.options.parse(pick(spec.options.shape)) as Record<string, unknown>,
  };
}

/**
 * One run, resolved once from (task spec, estimator, user settings) and carried everywhere
 * after: build, placement, shards, workers, the playground, the config file. `options` hold
 * every default of the task (so task code restates none); `config` is the same run flat, as
 * config.json stores it and as a worker is sent it (the spec itself does not cross a thread).
 */
export interface ResolvedRun {
  readonly spec: TaskSpec;
  readonly settings: RunSettings;
  readonly options: Record<string, unknown>;
  readonly config: Readonly<RunSettings & { task: string } & Record<string, unknown>>;
}

/**
 * `given` over the task's defaults (`mergeRunSettings`), split and validated
 * (`splitRunSettings`): throws zod's error on a bad setting. Pure.
 */
export function resolveRun(spec: TaskSpec, given: Readonly<Record<string, unknown>>): ResolvedRun {
  const { settings, options } = splitRunSettings(spec, mergeRunSettings(spec, given));
  const { estimator, ...rest } = settings;
  // config.json's order: the task, the estimator, the task's options, the shared settings.
  return { spec, settings, options, config: { task: spec.name, estimator, ...options, ...rest } };
}

/**
 * A task's options with its defaults applied: what `create` and the spec's other functions
 * take, for code that builds a task without a whole run (tests, a library user).
 */
export function resolveTaskOptions(
  spec: TaskSpec,
  given: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return resolveRun(spec, given).options;
}

/** `run` with some of its settings or options changed, resolved again over the same spec. */
export function reviseRun(
  run: ResolvedRun,
  changes: Readonly<Record<string, unknown>>,
): ResolvedRun {
  return resolveRun(run.spec, { ...run.config, ...changes });
}
