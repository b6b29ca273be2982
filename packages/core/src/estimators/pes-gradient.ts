/**
 * The maths of the evolution-strategies family, as pure functions over flat arrays.
 *
 * Every estimator of the family weights each particle's losses by the perturbations that
 * produced them: PES by the accumulated perturbation ξ of the particle's current episode
 * (Vicol et al. 2021, Alg. 2), truncated and full ES by this unroll's ε alone, noise-reuse ES
 * by the one ε the episode has carried. They differ only in what they pass as the
 * accumulator and in how they update it; the weighting itself lives here once, in
 * `perturbationGradient`. docs/estimators.md writes out each estimator's formula and where our
 * conventions differ from learned_optimization's.
 */

export interface PerturbationGradientInput {
  particles: number;
  steps: number;
  dim: number;
  /** particles × steps */
  losses: Float64Array;
  /** particles × steps, 1 where an episode ended at that step */
  done: Uint8Array;
  /**
   * particles × dim: the perturbations that shaped each particle's current episode before
   * this unroll (zeros for truncated or full ES).
   */
  accumulators: Float64Array;
  /** particles × dim: this unroll's perturbations ε. */
  eps: Float64Array;
  sigma: number;
  /** Particles to leave out (non-finite losses); all are used when absent. */
  include?: Uint8Array;
  /**
   * Fitness shaping: centre the losses (one-sided sampling only) and divide the estimate by the
   * standard deviation of the particles' objectives.
   */
  fitnessShaping?: boolean;
  /**
   * Whether ε comes in antithetic pairs (default false). Centring is then a no-op in exact
   * arithmetic (the pair's weights cancel) and is skipped, which keeps published runs exact.
   */
  antithetic?: boolean;
}

export interface PerturbationGradientOutput {
  grad: Float64Array;
  /** Each particle's objective: the sum of its losses over the unroll. */
  objectives: Float64Array;
  /** Number of particles that entered the estimate. */
  used: number;
}

/**
 * Particle p's losses over the unroll, split at the first episode end: `before` up to and
 * including the ending step (the episode running when the unroll began), `after` the rest.
 */
export function splitAtEpisodeEnd(
  losses: Float64Array,
  done: Uint8Array,
  p: number,
  steps: number,
) {
  let before = 0;
  let after = 0;
  let ended = false;
  for (let k = 0; k < steps; k++) {
    const loss = losses[p * steps + k]!;
    if (ended) after += loss;
    else before += loss;
    if (done[p * steps + k]) ended = true;
  }
  return { before, after, ended };
}

/**
 * ĝ = 1/(N σ²) Σ_p [ L_p^old · (ξ_p + ε_p) + L_p^new · ε_p ]
 *
 * where L_p^old sums the losses up to and including the step at which the episode running
 * at the start of the unroll ended (all steps if it did not end), and L_p^new the losses of
 * episodes begun inside this unroll: those saw only ε_p, so ξ_p must not weight them. The
 * ending step's loss was shaped by ξ_p too, so it keeps ξ_p + ε_p (learned_optimization's
 * `compute_pes_grad` weights it by ε_p alone, which is biased: docs/estimators.md).
 *
 * Fitness shaping divides ĝ by the standard deviation of the objectives L_p^old + L_p^new;
 * with one-sided sampling it first centres every step's losses on their mean over the
 * particles (evosax's standardisation; for an unroll without an episode end this is
 * L_p − mean L), so that adding a constant to every loss leaves ĝ unchanged.
 */
export function perturbationGradient(input: PerturbationGradientInput): PerturbationGradientOutput {
  const { particles, steps, dim, losses, done, accumulators, eps, sigma, include } = input;
  const centred =
    input.fitnessShaping && !input.antithetic
      ? centreSteps(losses, particles, steps, include)
      : undefined;
  const grad = new Float64Array(dim);
  const objectives = new Float64Array(particles);
  let used = 0;
  for (let p = 0; p < particles; p++) {
    let { before, after } = splitAtEpisodeEnd(losses, done, p, steps);
    objectives[p] = before + after;
    if (include && !include[p]) continue;
    used++;
    if (centred) ({ before, after } = splitAtEpisodeEnd(centred, done, p, steps));
    for (let j = 0; j < dim; j++) {
      const e = eps[p * dim + j]!;
      grad[j]! += before * (accumulators[p * dim + j]! + e) + after * e;
    }
  }
  // No usable particle: say so with a NaN estimate, which the meta-trainer refuses to apply.
  if (used === 0) return { grad: grad.fill(Number.NaN), objectives, used };
  let scale = 1 / (used * sigma * sigma);
  if (input.fitnessShaping) scale /= objectiveSpread(objectives, include);
  for (let j = 0; j < dim; j++) grad[j]! *= scale;
  return { grad, objectives, used };
}

/** Losses (particles × steps) minus each step's mean over the included particles. */
function centreSteps(
  losses: Float64Array,
  particles: number,
  steps: number,
  include?: Uint8Array,
): Float64Array {
  const centred = new Float64Array(particles * steps);
  for (let k = 0; k < steps; k++) {
    let sum = 0;
    let n = 0;
    for (let p = 0; p < particles; p++) {
      if (include && !include[p]) continue;
      sum += losses[p * steps + k]!;
      n++;
    }
    for (let p = 0; p < particles; p++) {
      centred[p * steps + k] = losses[p * steps + k]! - sum / Math.max(n, 1);
    }
  }
  return centred;
}

/** Standard deviation of the included objectives (1 when it is zero or undefined). */
function objectiveSpread(objectives: Float64Array, include?: Uint8Array): number {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let p = 0; p < objectives.length; p++) {
    if (include && !include[p]) continue;
    n++;
    const delta = objectives[p]! - mean;
    mean += delta / n;
    m2 += delta * (objectives[p]! - mean);
  }
  const std = n > 1 ? Math.sqrt(m2 / n) : 0;
  return std > 0 && Number.isFinite(std) ? std : 1;
}

/** Index of the last step at which particle p's episode ended, or −1. */
export function lastEpisodeEnd(done: Uint8Array, p: number, steps: number): number {
  for (let k = steps - 1; k >= 0; k--) if (done[p * steps + k]) return k;
  return -1;
}

/**
 * PES's accumulators after an unroll: ξ + ε while the episode goes on; ε for an episode
 * begun inside the unroll (it saw this unroll's ε only); 0 when the episode ended on the
 * last step (the next one starts untouched).
 */
export function pesAccumulators(
  accumulators: Float64Array,
  eps: Float64Array,
  done: Uint8Array,
  particles: number,
  steps: number,
  dim: number,
): Float64Array {
  const next = new Float64Array(particles * dim);
  for (let p = 0; p < particles; p++) {
    const end = lastEpisodeEnd(done, p, steps);
    for (let j = 0; j < dim; j++) {
      const i = p * dim + j;
      next[i] = end < 0 ? accumulators[i]! + eps[i]! : end < steps - 1 ? eps[i]! : 0;
    }
  }
  return next;
}

/**
 * Antithetic or one-sided perturbations ε = σ z from standard normals `z`
 * (particles × dim). Antithetic: particle 2i + 1 gets −ε of particle 2i.
 */
export function perturbations(
  z: Float64Array,
  particles: number,
  dim: number,
  sigma: number,
  antithetic: boolean,
): Float64Array {
  const eps = new Float64Array(particles * dim);
  for (let p = 0; p < particles; p++) {
    const source = antithetic ? p >> 1 : p;
    const sign = antithetic && p % 2 === 1 ? -1 : 1;
    for (let j = 0; j < dim; j++) eps[p * dim + j] = sign * sigma * z[source * dim + j]!;
  }
  return eps;
}

/** Each particle's θ: θ + ε_p, as particles × dim rows. */
export function perturbedThetas(theta: Float64Array, eps: Float64Array, particles: number) {
  const dim = theta.length;
  const thetas = new Float64Array(particles * dim);
  for (let p = 0; p < particles; p++) {
    for (let j = 0; j < dim; j++) thetas[p * dim + j] = theta[j]! + eps[p * dim + j]!;
  }
  return thetas;
}

/** θ repeated for every particle. */
export function tileTheta(theta: Float64Array, particles: number): Float64Array {
  const thetas = new Float64Array(particles * theta.length);
  for (let p = 0; p < particles; p++) thetas.set(theta, p * theta.length);
  return thetas;
}

export interface PesAnalyticInput extends Omit<
  PerturbationGradientInput,
  'fitnessShaping' | 'antithetic'
> {
  /**
   * particles × dim: the exact gradient of each particle's unroll losses at unperturbed θ
   * from its own incoming state (truncated backprop).
   */
  analytic: Float64Array;
}

/**
 * PES-A (Vicol et al. 2021, PES with an analytic part): the current unroll's share of the PES
 * estimate, E[L ε]/σ², is replaced by its exact value g_a, and g_a also serves as a control
 * variate for the share of earlier unrolls:
 *
 *   ĝ = 1/N Σ_p g_a,p + 1/(N σ²) Σ_p (L_p^old − ε_p · g_a,p) ξ_p
 *
 * where ξ_p are the accumulated perturbations before this unroll. ε_p is independent of ξ_p
 * and g_a,p, so the control variate adds no bias. A particle whose episode ended inside the
 * unroll keeps its plain L_p^old weight: g_a,p then also covers the new episode's losses.
 * g_a at unperturbed θ matches E[L ε]/σ² wherever the unroll's loss is quadratic in θ, and
 * otherwise targets the unsmoothed gradient.
 */
export function pesAnalyticGradient(input: PesAnalyticInput): PerturbationGradientOutput {
  const { particles, steps, dim, losses, done, accumulators, eps, sigma, include, analytic } =
    input;
  const direct = new Float64Array(dim);
  const carried = new Float64Array(dim);
  const objectives = new Float64Array(particles);
  let used = 0;
  for (let p = 0; p < particles; p++) {
    const { before, after, ended } = splitAtEpisodeEnd(losses, done, p, steps);
    objectives[p] = before + after;
    if (include && !include[p]) continue;
    used++;
    let firstOrder = 0;
    if (!ended)
      for (let j = 0; j < dim; j++) firstOrder += eps[p * dim + j]! * analytic[p * dim + j]!;
    const weight = before - firstOrder;
    for (let j = 0; j < dim; j++) {
      direct[j]! += analytic[p * dim + j]!;
      carried[j]! += weight * accumulators[p * dim + j]!;
    }
  }
  const grad = new Float64Array(dim);
  if (used === 0) return { grad: grad.fill(Number.NaN), objectives, used };
  for (let j = 0; j < dim; j++) grad[j] = direct[j]! / used + carried[j]! / (used * sigma * sigma);
  return { grad, objectives, used };
}
