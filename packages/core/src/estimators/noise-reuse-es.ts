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
  staggerOffsets,
  zeroRows,
  restartDiverged,
} from './common.js';
import {
  lastEpisodeEnd,
  perturbationGradient,
  perturbations,
  perturbedThetas,
} from './pes-gradient.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

export interface NoiseReuseEsState<S> {
  task: S;
  /** ε: particles × dim, each particle's perturbation, kept for its whole episode. */
  eps: Float64Array;
  /**
   * Perturbations other than ε that shaped the current episode: zero, except when an episode
   * began inside an unroll under the previous ε (then that ε, until the episode ends).
   */
  carried: Float64Array;
  /** 1 where a particle draws a new ε before its next unroll (its episode ended). */
  redraw: Uint8Array;
}

/**
 * Noise-reuse ES (Li et al. 2023; ES-Single): one ε per particle for a whole episode, redrawn
 * only when the episode ends; every unroll's losses are weighted by that ε. Unbiased, with
 * variance that does not grow with the number of unrolls. Staggering is in multiples of the
 * unroll length so that episodes begin on unroll boundaries; where one still begins inside an
 * unroll (a horizon that K does not divide), its weight carries the previous ε as PES would.
 */
export function noiseReuseEs<S>(
  task: Task<S>,
  settings: EstimatorSettings,
): GradientEstimator<NoiseReuseEsState<S>> {
  const s = resolveSettings(settings, { usesNoise: true });
  const { particles, unrollLength: steps, sigma } = s;
  const dim = task.dim;
  const group = groupSize(s);
  return {
    name: 'nres',
    init(_theta, key) {
      const [initKey, staggerKey] = split(key, 2) as [Key, Key];
      const stepOffsets = staggerOffsets(staggerKey, task as Task, s, steps);
      return {
        task: task.init(initKey, particles, { stepOffsets }),
        eps: new Float64Array(particles * dim),
        carried: new Float64Array(particles * dim),
        redraw: new Uint8Array(particles).fill(1),
      };
    },
    estimate(theta, state, key) {
      const [noiseKey, unrollKey, resetKey] = split(key, 3) as [Key, Key, Key];
      // New noise only for particles whose episode ended: draw it only when some did.
      const eps = state.eps.slice();
      if (state.redraw.some((r) => r === 1)) {
        const z = normal(noiseKey, (particles / group) * dim);
        const fresh = perturbations(z, particles, dim, sigma, s.antithetic);
        for (let p = 0; p < particles; p++) {
          if (state.redraw[p]) eps.set(fresh.subarray(p * dim, (p + 1) * dim), p * dim);
        }
      }
      const unrolled = task.unroll(
        state.task,
        perturbedThetas(theta, eps, particles),
        steps,
        unrollKey,
      );
      const { include, excluded, excludedCount } = finiteParticles(
        unrolled.losses,
        particles,
        steps,
        group,
      );
      const { grad, objectives } = perturbationGradient({
        particles,
        steps,
        dim,
        losses: unrolled.losses,
        done: unrolled.done,
        accumulators: state.carried,
        eps,
        sigma,
        include,
        fitnessShaping: s.fitnessShaping,
        antithetic: s.antithetic,
      });
      const carried = state.carried.slice();
      const redraw = new Uint8Array(particles);
      for (let p = 0; p < particles; p++) {
        const end = lastEpisodeEnd(unrolled.done, p, steps);
        if (end < 0) continue;
        redraw[p] = 1;
        const row = carried.subarray(p * dim, (p + 1) * dim);
        if (end < steps - 1) row.set(eps.subarray(p * dim, (p + 1) * dim));
        else row.fill(0);
      }
      const next = restartDiverged(task, unrolled.state, excluded, resetKey);
      zeroRows(carried, excluded, dim);
      for (let p = 0; p < particles; p++) if (excluded[p]) redraw[p] = 1;
      return {
        grad,
        metaLoss: meanObjective(objectives, include),
        state: { task: next, eps, carried, redraw },
        metrics: {
          innerSteps: particles * steps,
          episodesEnded: countEnded(unrolled.done),
          nonFiniteParticles: excludedCount,
        },
      };
    },
    snapshot: (state) => ({ ...state, task: snapshotTaskState(task, state.task) }),
    restore(snapshot) {
      const { task: t, eps, carried, redraw } = snapshot as Record<string, unknown>;
      const rows = particles * dim;
      if (
        !(eps instanceof Float64Array && eps.length === rows) ||
        !(carried instanceof Float64Array && carried.length === rows) ||
        !(redraw instanceof Uint8Array && redraw.length === particles)
      ) {
        throw new TypeError('noise-reuse ES checkpoint: noise arrays do not match particles × dim');
      }
      return { task: restoreTaskState(task, t), eps, carried, redraw };
    },
    dispose: (state) => disposeTaskState(task, state.task),
  };
}
