import type { Task } from '../task.js';
import {
  countEnded,
  disposeTaskState,
  finiteParticles,
  restartDiverged,
  restoreTaskState,
  snapshotTaskState,
} from './common.js';
import { esFamilyEstimator, type EsContext, type Trajectory } from './es-family.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

export interface TruncatedEsState<S> {
  /** One shared inner state (a single particle), advanced with unperturbed θ. */
  task: S;
}

/**
 * Truncated ES: every particle starts the unroll from one shared state; that state then
 * advances with unperturbed θ. g = Σ_i L_i ε_i / (N σ²). Biased: it ignores how θ shaped
 * the shared state.
 */
export function truncatedEs<S>(
  task: Task<S>,
  settings: EstimatorSettings,
): GradientEstimator<TruncatedEsState<S>> {
  return esFamilyEstimator('tes', task, settings, { trajectory: sharedTrajectory });
}

/** The particles branch off one state, which then takes the same K steps at unperturbed θ. */
function sharedTrajectory<S>({ task, settings }: EsContext<S>): Trajectory<S, TruncatedEsState<S>> {
  const steps = settings.unrollLength;
  const broadcast = new Int32Array(settings.particles);
  return {
    steps,
    init: (key) => ({ task: task.init(key, 1) }),
    begin: (state, [unrollKey]) => ({ start: task.gather(state.task, broadcast), unrollKey }),
    end(state, { theta, start, unrolled, keys: [unrollKey, resetKey] }) {
      disposeTaskState(task, start);
      disposeTaskState(task, unrolled.state);
      // Same key as the particles: the shared trajectory sees the same data they saw.
      const advanced = task.unroll(state.task, theta, steps, unrollKey);
      const diverged = finiteParticles(advanced.losses, 1, steps, 1).excluded;
      return {
        state: { task: restartDiverged(task, advanced.state, diverged, resetKey) },
        episodesEnded: countEnded(advanced.done),
        innerSteps: steps,
      };
    },
    snapshot: (state) => ({ task: snapshotTaskState(task, state.task) }),
    restore: (snapshot) => ({ task: restoreTaskState(task, snapshot.task) }),
    dispose: (state) => disposeTaskState(task, state.task),
  };
}
