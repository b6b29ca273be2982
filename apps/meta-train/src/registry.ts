import type { TaskSpec } from '@pes/core';
import { hpoTasks } from '@pes/hpo';
import { innerProblemTasks } from '@pes/inner-problems';
import { learnedOptTasks } from '@pes/learned-opt';
import { UsageError } from './errors.js';

/** Every task the command line knows, from every package that provides tasks. */
export const taskSpecs: readonly TaskSpec[] = [
  ...innerProblemTasks,
  ...hpoTasks,
  ...learnedOptTasks,
];

export function findTaskSpec(name: string): TaskSpec {
  const spec = taskSpecs.find((s) => s.name === name);
  if (!spec) {
    throw new UsageError(
      `unknown task '${name}'; known tasks: ${taskSpecs.map((s) => s.name).join(', ')}`,
    );
  }
  return spec;
}
