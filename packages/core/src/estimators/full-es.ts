import type { Task } from '../task.js';
import { countEnded, disposeTaskState } from './common.js';
import { esFamilyEstimator, type EsContext, type Trajectory } from './es-family.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

/** Full ES keeps nothing between estimates: every estimate runs whole episodes. */
export type FullEsState = Record<string, never>;

/**
 * ES over whole episodes: every particle runs one full episode from the initial state with
 * its θ + ε. Unbiased, but θ changes only once per T inner steps. The unroll length is the
 * task's horizon.
 */
export function fullEs<S>(
  task: Task<S>,
  settings: EstimatorSettings,
): GradientEstimator<FullEsState> {
  return esFamilyEstimator('es', task, settings, { trajectory: wholeEpisodes });
}

/** Every estimate starts fresh episodes and keeps nothing, so nothing needs restarting. */
function wholeEpisodes<S>({ task, settings }: EsContext<S>): Trajectory<S, FullEsState> {
  if (!Number.isFinite(task.horizon)) {
    throw new RangeError(
      `full-horizon ES needs a task whose episodes end; ${task.name} never ends`,
    );
  }
  return {
    steps: task.horizon,
    init: () => ({}),
    begin(_state, [initKey, unrollKey]) {
      // All particles share one initial state: common random numbers lower the variance.
      const initial = task.init(initKey, 1);
      const start = task.gather(initial, new Int32Array(settings.particles));
      disposeTaskState(task, initial);
      return { start, unrollKey };
    },
    end(_state, { start, unrolled }) {
      disposeTaskState(task, start);
      disposeTaskState(task, unrolled.state);
      return { state: {}, episodesEnded: countEnded(unrolled.done), innerSteps: 0 };
    },
    snapshot: () => ({}),
    restore: () => ({}),
    dispose: () => undefined,
  };
}
