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
