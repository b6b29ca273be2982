// The catalogue of what the command line can run: every package's tasks and every method, with
// the flag ↔ field table derived from their options. It gathers the packages' registries; it
// registers nothing itself.
import {
  describeOptions,
  estimatorRegistry,
  flagName,
  randomSearchMethod,
  runSettingsSchema,
  type MethodDescription,
  type OptionDescription,
  type TaskSpec,
} from '@pes/core';
import { hpoTasks } from '@pes/hpo/tasks';
import { innerProblemTasks } from '@pes/inner-problems/tasks';
import { learnedOptTasks } from '@pes/learned-opt/tasks';
import { UsageError } from './errors.js';

/**
 * Every task the command line knows, from every package that provides tasks. These are the
 * packages' light `tasks` entries: no tensor library, simulator or dataset loads until a run
 * builds its task.
 */
export const taskSpecs: readonly TaskSpec[] = [
  ...innerProblemTasks,
  ...hpoTasks,
  ...learnedOptTasks,
];

/** Every method `--estimator` accepts: the gradient estimators, then random search. */
export const methods: readonly MethodDescription[] = [...estimatorRegistry, randomSearchMethod];

export function findTaskSpec(name: string): TaskSpec {
  const spec = taskSpecs.find((s) => s.name === name);
  if (!spec) {
    throw new UsageError(
      `unknown task '${name}'; known tasks: ${taskSpecs.map((s) => s.name).join(', ')}`,
    );
  }
  return spec;
}

export function findMethod(name: string): MethodDescription {
  const method = methods.find((m) => m.name === name);
  if (!method) {
    throw new UsageError(
      `unknown estimator '${name}'; known estimators: ${methods.map((m) => m.name).join(', ')}`,
    );
  }
  return method;
}

/** A run setting and the tasks that read it (none for the shared run settings). */
export interface RunOption extends OptionDescription {
  readonly tasks: readonly string[];
}

let table: RunOption[] | undefined;

/**
 * The one flag ↔ field table of `meta-train`: the shared run settings, then every task option
 * once, with the tasks that read it. Help, parsing, config files and error messages use it.
 */
export function runOptions(): readonly RunOption[] {
  if (table) return table;
  const byField = new Map<string, RunOption>();
  for (const option of describeOptions(runSettingsSchema))
    byField.set(option.field, { ...option, tasks: [] });
  for (const spec of taskSpecs) {
    for (const option of describeOptions(spec.options)) {
      const known = byField.get(option.field);
      if (known && known.flag !== option.flag) {
        // Two tasks may share a field only under one flag: the table would be ambiguous.
        throw new Error(
          `task ${spec.name} spells ${option.field} as --${option.flag}, not --${known.flag}`,
        );
      }
      byField.set(option.field, {
        ...(known ?? option),
        // Choices differ between tasks (a narrower objective list, say): help shows the union.
        ...(known?.choices || option.choices
          ? { choices: [...new Set([...(known?.choices ?? []), ...(option.choices ?? [])])] }
          : {}),
        tasks: [...(known?.tasks ?? []), spec.name],
      });
    }
  }
  table = [...byField.values()];
  return table;
}

/** The command-line flag that sets a config field (`--unroll` for unrollLength). */
export function flagOf(field: string): string {
  const option = runOptions().find((o) => o.field === field);
  if (!option) return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return flagName(option);
}
