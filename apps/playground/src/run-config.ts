import {
  estimatorRegistry,
  estimatorUnsupportedReason,
  resolveRun,
  type ResolvedRun,
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

/** One run resolved as `pes meta-train` would resolve it: the spec, settings and task options. */
export type PlaygroundConfig = ResolvedRun;

export function findPlaygroundTask(name: string): TaskSpec {
  const spec = PLAYGROUND_TASKS.find((s) => s.name === name);
  if (!spec)
    throw new RangeError(
      `the playground has no task '${name}'; it has ${PLAYGROUND_TASKS.map((s) => s.name).join(', ')}`,
    );
  return spec;
}

/**
 * The run `pes meta-train` would resolve for the same task, estimator and flags: core's
 * `resolveRun`, the one resolve step both front ends use. The tests hold the two equal through θ.
 */
export function resolvePlaygroundConfig(
  task: string,
  estimator: string,
  overrides: PlaygroundOverrides = {},
): PlaygroundConfig {
  return resolveRun(findPlaygroundTask(task), { ...overrides, estimator });
}

/** The estimators of the registry that can run on `task` (the page offers these). */
export function estimatorsFor(task: Task): string[] {
  return estimatorRegistry
    .filter((entry) => estimatorUnsupportedReason(entry, task) === undefined)
    .map((entry) => entry.name);
}
