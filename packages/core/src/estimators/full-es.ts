import { normal, split, type Key } from '../random.js';
import type { Task } from '../task.js';
import {
  countEnded,
  disposeTaskState,
  finiteParticles,
  groupSize,
  meanObjective,
  resolveSettings,
} from './common.js';
import { perturbationGradient, perturbations, perturbedThetas } from './pes-gradient.js';
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
  const s = resolveSettings(settings, { usesNoise: true });
  if (!Number.isFinite(task.horizon)) {
    throw new RangeError(
      `full-horizon ES needs a task whose episodes end; ${task.name} never ends`,
    );
  }
  const { particles, sigma } = s;
  const steps = task.horizon;
  const dim = task.dim;
  const group = groupSize(s);
  return {
    name: 'es',
    init: () => ({}),
    estimate(theta, _state, key) {
      const [noiseKey, initKey, unrollKey] = split(key, 3) as [Key, Key, Key];
      const eps = perturbations(
        normal(noiseKey, (particles / group) * dim),
        particles,
        dim,
        sigma,
        s.antithetic,
      );
      // All particles share one initial state: common random numbers lower the variance.
      const initial = task.init(initKey, 1);
      const start = task.gather(initial, new Int32Array(particles));
      disposeTaskState(task, initial);
      const unrolled = task.unroll(start, perturbedThetas(theta, eps, particles), steps, unrollKey);
      disposeTaskState(task, start);
      disposeTaskState(task, unrolled.state);
      const { include, excludedCount } = finiteParticles(unrolled.losses, particles, steps, group);
      const { grad, objectives } = perturbationGradient({
        particles,
        steps,
        dim,
        losses: unrolled.losses,
        done: unrolled.done,
        accumulators: new Float64Array(particles * dim),
        eps,
        sigma,
        include,
        fitnessShaping: s.fitnessShaping,
        antithetic: s.antithetic,
      });
      return {
        grad,
        metaLoss: meanObjective(objectives, include),
        state: {},
        metrics: {
          innerSteps: particles * steps,
          episodesEnded: countEnded(unrolled.done),
          nonFiniteParticles: excludedCount,
        },
      };
    },
    snapshot: () => ({}),
    restore: () => ({}),
    dispose: () => undefined,
  };
}
