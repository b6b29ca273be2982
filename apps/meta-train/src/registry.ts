import type { TaskSpec } from '@pes/core';
import { hpoTasks } from '@pes/hpo/node';
import { innerProblemTasks } from '@pes/inner-problems/node';
import { learnedOptTasks } from '@pes/learned-opt/node';
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
