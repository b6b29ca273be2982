import type { Task } from '../task.js';
import { zeroRows } from './common.js';
import { esFamilyEstimator, persistentParticles, type EsStrategy } from './es-family.js';
import { lastEpisodeEnd } from './pes-gradient.js';
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
  return esFamilyEstimator('nres', task, settings, reusedNoise(task, settings));
}

type ReusedNoise = Omit<NoiseReuseEsState<unknown>, 'task'>;

/** One ε per particle and episode, and the previous ε for an episode begun inside an unroll. */
function reusedNoise<S>(
  task: Task<S>,
  { particles, unrollLength: steps }: EstimatorSettings,
): EsStrategy<S, { task: S }, ReusedNoise> {
  const dim = task.dim;
  return {
    trajectory: (context) => persistentParticles(context, true),
    noise: () => ({
      eps: new Float64Array(particles * dim),
      carried: new Float64Array(particles * dim),
      redraw: new Uint8Array(particles).fill(1),
    }),
    perturb(noise, sample) {
      // New noise only for particles whose episode ended: draw it only when some did.
      const eps = noise.eps.slice();
      if (noise.redraw.some((r) => r === 1)) {
        const fresh = sample();
        for (let p = 0; p < particles; p++) {
          if (noise.redraw[p]) eps.set(fresh.subarray(p * dim, (p + 1) * dim), p * dim);
        }
      }
      return eps;
    },
    // Every unroll's losses weighted by the episode's ε (and a carried ε, as PES's ξ).
    accumulated: (noise) => noise.carried,
    advance(noise, eps, done) {
      const carried = noise.carried.slice();
      const redraw = new Uint8Array(particles);
      for (let p = 0; p < particles; p++) {
        const end = lastEpisodeEnd(done, p, steps);
        if (end < 0) continue;
        redraw[p] = 1;
        const row = carried.subarray(p * dim, (p + 1) * dim);
        if (end < steps - 1) row.set(eps.subarray(p * dim, (p + 1) * dim));
        else row.fill(0);
      }
      return { eps, carried, redraw };
    },
    restart(noise, excluded) {
      zeroRows(noise.carried, excluded, dim);
      for (let p = 0; p < particles; p++) if (excluded[p]) noise.redraw[p] = 1;
    },
  };
}
