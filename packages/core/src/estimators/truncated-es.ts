import { normal, split, type Key } from '../random.js';
import type { Task } from '../task.js';
import {
  countEnded,
  disposeTaskState,
  finiteParticles,
  groupSize,
  meanObjective,
  resolveSettings,
  restoreTaskState,
  snapshotTaskState,
  restartDiverged,
} from './common.js';
import { perturbationGradient, perturbations, perturbedThetas } from './pes-gradient.js';
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
  const s = resolveSettings(settings, { usesNoise: true });
  const { particles, unrollLength: steps, sigma } = s;
  const dim = task.dim;
  const group = groupSize(s);
  const broadcast = new Int32Array(particles);
  return {
    name: 'tes',
    init: (_theta, key) => ({ task: task.init(key, 1) }),
    estimate(theta, state, key) {
      const [noiseKey, unrollKey, resetKey] = split(key, 3) as [Key, Key, Key];
      const eps = perturbations(
        normal(noiseKey, (particles / group) * dim),
        particles,
        dim,
        sigma,
        s.antithetic,
      );
      const start = task.gather(state.task, broadcast);
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
      // Same key as the particles: the shared trajectory sees the same data they saw.
      const advanced = task.unroll(state.task, theta, steps, unrollKey);
      const next = restartDiverged(
        task,
        advanced.state,
        finiteParticles(advanced.losses, 1, steps, 1).excluded,
        resetKey,
      );
      return {
        grad,
        metaLoss: meanObjective(objectives, include),
        state: { task: next },
        metrics: {
          innerSteps: (particles + 1) * steps,
          episodesEnded: countEnded(advanced.done),
          nonFiniteParticles: excludedCount,
        },
      };
    },
    snapshot: (state) => ({ task: snapshotTaskState(task, state.task) }),
    restore: (snapshot) => ({ task: restoreTaskState(task, (snapshot as { task: unknown }).task) }),
    dispose: (state) => disposeTaskState(task, state.task),
  };
}
