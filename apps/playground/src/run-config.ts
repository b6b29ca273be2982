import {
  mergeRunSettings,
  estimatorRegistry,
  estimatorUnsupportedReason,
  splitRunSettings,
  type RunSettings,
  type Task,
  type TaskSpec,
} from '@pes/core';
import { influenceBalancingTaskSpec, toyRegressionTaskSpec } from '@pes/inner-problems';

/**
 * The tasks the page trains: the typed-array ones of the paper's figures. Their specs come from
 * the packages' browser-safe main entries, with the same defaults `pes meta-train` applies.
 */
export const PLAYGROUND_TASKS: readonly TaskSpec[] = [
  toyRegressionTaskSpec,
  influenceBalancingTaskSpec,
];

/** The settings a visitor may change, as `pes meta-train` names them (a missing one: the default). */
export type PlaygroundOverrides = Partial<
  Pick<
    RunSettings,
    | 'unrollLength'
    | 'particles'
    | 'sigma'
    | 'outerOptimizer'
    | 'outerLr'
    | 'seed'
    | 'iterations'
    | 'evalEvery'
  >
>;

/** One run's settings, as `pes meta-train` would resolve them, and the task's own options. */
export interface PlaygroundConfig {
  task: string;
  settings: RunSettings;
  options: Record<string, unknown>;
}

export function findPlaygroundTask(name: string): TaskSpec {
  const spec = PLAYGROUND_TASKS.find((s) => s.name === name);
  if (!spec)
    throw new RangeError(
      `the playground has no task '${name}'; it has ${PLAYGROUND_TASKS.map((s) => s.name).join(', ')}`,
    );
  return spec;
}

/**
 * The settings `pes meta-train` would resolve for the same task, estimator and flags: core's
 * `mergeRunSettings`, the one merge both front ends use. The tests hold the two equal through θ.
 */
export function resolvePlaygroundConfig(
  task: string,
  estimator: string,
  overrides: PlaygroundOverrides = {},
): PlaygroundConfig {
  const spec = findPlaygroundTask(task);
  return {
    task: spec.name,
    ...splitRunSettings(spec, mergeRunSettings(spec, { ...overrides, estimator })),
  };
}

/** The estimators of the registry that can run on `task` (the page offers these). */
export function estimatorsFor(task: Task): string[] {
  return estimatorRegistry
    .filter((entry) => estimatorUnsupportedReason(entry, task) === undefined)
    .map((entry) => entry.name);
}
