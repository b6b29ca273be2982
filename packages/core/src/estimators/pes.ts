import type { Task } from '../task.js';
import { zeroRows } from './common.js';
import { esFamilyEstimator, type EsStrategy } from './es-family.js';
import { pesAccumulators } from './pes-gradient.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

export interface PesState<S> {
  /** Every particle's inner state, kept between unrolls until its episode ends. */
  task: S;
  /** ξ: particles × dim, the perturbations accumulated over each particle's episode. */
  accumulators: Float64Array;
}

/**
 * Persistent Evolution Strategies (Vicol, Metz, Sohl-Dickstein 2021): particles keep their own
 * inner states across truncations and weight their losses by the accumulated perturbation ξ,
 * which makes the estimate unbiased for the smoothed full-horizon objective. Algorithm 2:
 *
 *   ε_i ~ N(0, σ² I), antithetic pairs          the shell, every unroll
 *   s_i, L_i ← unroll(s_i, θ + ε_i, K)          the shell
 *   ξ_i ← ξ_i + ε_i                             advance
 *   ĝ = Σ_i ξ_i L_i / (N σ²)                    accumulated, weighed by the shell
 *   ξ_i ← 0 where an episode ends               advance, restart
 */
export function persistentEs<S>(
  task: Task<S>,
  settings: EstimatorSettings,
): GradientEstimator<PesState<S>> {
  return esFamilyEstimator('pes', task, settings, accumulatedPerturbations(task, settings));
}

/** PES's ξ, shared with PES-A: Algorithm 2's accumulator over persistent particles. */
export function accumulatedPerturbations<S>(
  task: Task<S>,
  { particles, unrollLength: steps }: EstimatorSettings,
): EsStrategy<S, { task: S }, { accumulators: Float64Array }> {
  const dim = task.dim;
  return {
    // ξ ← 0 at the start; ε is drawn afresh for every unroll (the shell's default).
    noise: () => ({ accumulators: new Float64Array(particles * dim) }),
    // ĝ = Σ_i (ξ_i + ε_i) L_i / (N σ²): Algorithm 2's ξ after the update; the losses of an
    // episode begun inside the unroll are weighted by ε_i alone.
    accumulated: (noise) => noise.accumulators,
    // ξ ← ξ + ε, reset where an episode ended.
    advance: (noise, eps, done) => ({
      accumulators: pesAccumulators(noise.accumulators, eps, done, particles, steps, dim),
    }),
    // A diverged particle starts a fresh episode with a fresh accumulator.
    restart: (noise, excluded) => zeroRows(noise.accumulators, excluded, dim),
  };
}
