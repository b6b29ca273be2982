import { split, type Key } from '../random.js';
import type { DifferentiableUnroll, Task } from '../task.js';
import {
  averageFiniteGradients,
  countEnded,
  disposeTaskState,
  resolveSettings,
  restoreTaskState,
  snapshotTaskState,
  staggerOffsets,
  restartDiverged,
} from './common.js';
import { tileTheta } from './pes-gradient.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

function requireDifferentiable<S>(task: Task<S>, method: string): DifferentiableUnroll<S> {
  if (!task.differentiable) {
    throw new RangeError(
      `${method} needs a task with a differentiable unroll; ${task.name} has none`,
    );
  }
  return task.differentiable;
}

export interface TbpttState<S> {
  task: S;
}

/**
 * Truncated backpropagation through time: the exact gradient of each K-step unroll with the
 * incoming state held fixed, averaged over independent (staggered) trajectories; states
 * advance with θ. Biased on problems with dependencies longer than K.
 */
export function tbptt<S>(
  task: Task<S>,
  settings: EstimatorSettings,
): GradientEstimator<TbpttState<S>> {
  const s = resolveSettings(settings, { usesNoise: false });
  const unroll = requireDifferentiable(task, 'TBPTT');
  const { particles, unrollLength: steps } = s;
  const dim = task.dim;
  return {
    name: 'tbptt',
    init(_theta, key) {
      const [initKey, staggerKey] = split(key, 2) as [Key, Key];
      return {
        task: task.init(initKey, particles, {
          stepOffsets: staggerOffsets(staggerKey, task as Task, s),
        }),
      };
    },
    estimate(theta, state, key) {
      const [unrollKey, resetKey] = split(key, 2) as [Key, Key];
      const r = unroll.unrollWithGradient(
        state.task,
        tileTheta(theta, particles),
        steps,
        unrollKey,
      );
      const { grad, excluded, excludedCount, metaLoss } = averageFiniteGradients(
        r.losses,
        r.grads,
        particles,
        steps,
        dim,
      );
      const next = restartDiverged(task, r.state, excluded, resetKey);
      return {
        grad,
        metaLoss,
        state: { task: next },
        metrics: {
          innerSteps: particles * steps,
          episodesEnded: countEnded(r.done),
          nonFiniteParticles: excludedCount,
        },
      };
    },
    snapshot: (state) => ({ task: snapshotTaskState(task, state.task) }),
    restore: (snapshot) => ({ task: restoreTaskState(task, (snapshot as { task: unknown }).task) }),
    dispose: (state) => disposeTaskState(task, state.task),
  };
}

/** BPTT keeps nothing between estimates: every estimate differentiates whole episodes. */
export type BpttState = Record<string, never>;

/**
 * Backpropagation through whole episodes: the exact gradient of the full-horizon objective,
 * averaged over `particles` independent episodes. The reference the others approximate.
 */
export function bptt<S>(task: Task<S>, settings: EstimatorSettings): GradientEstimator<BpttState> {
  const s = resolveSettings(settings, { usesNoise: false });
  const unroll = requireDifferentiable(task, 'BPTT');
  if (!Number.isFinite(task.horizon)) {
    throw new RangeError(`BPTT needs a task whose episodes end; ${task.name} never ends`);
  }
  const { particles } = s;
  const steps = task.horizon;
  const dim = task.dim;
  return {
    name: 'bptt',
    init: () => ({}),
    estimate(theta, _state, key) {
      const [initKey, unrollKey] = split(key, 2) as [Key, Key];
      const start = task.init(initKey, particles);
      const r = unroll.unrollWithGradient(start, tileTheta(theta, particles), steps, unrollKey);
      disposeTaskState(task, start);
      disposeTaskState(task, r.state);
      const { grad, excludedCount, metaLoss } = averageFiniteGradients(
        r.losses,
        r.grads,
        particles,
        steps,
        dim,
      );
      return {
        grad,
        metaLoss,
        state: {},
        metrics: {
          innerSteps: particles * steps,
          episodesEnded: countEnded(r.done),
          nonFiniteParticles: excludedCount,
        },
      };
    },
    snapshot: () => ({}),
    restore: () => ({}),
    dispose: () => undefined,
  };
}
