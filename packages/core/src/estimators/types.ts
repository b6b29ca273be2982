import type { Key } from '../random.js';

/** Settings shared by the estimators (evosax's `Params`: kept apart from the state). */
export interface EstimatorSettings {
  /** N: particles per estimate, counting both members of each antithetic pair. */
  particles: number;
  /** σ: standard deviation of the perturbations ε = σ z. */
  sigma: number;
  /** K: inner steps per truncated unroll. */
  unrollLength: number;
  /** Pair every perturbation with its negation (default true). */
  antithetic?: boolean;
  /** Start particles at different inner steps so they do not reset in lockstep (default true). */
  stagger?: boolean;
  /** Divide the estimate by the standard deviation of the particles' objectives (default false). */
  fitnessShaping?: boolean;
}

export interface EstimateMetrics {
  /** Inner steps taken by this estimate, over all particles. */
  innerSteps: number;
  /** Episodes that ended inside this estimate's unrolls. */
  episodesEnded: number;
  /** Particles left out of the estimate (and reset) because a loss was not finite. */
  nonFiniteParticles: number;
}

export interface Estimate<E> {
  /** Estimate of the gradient of the (smoothed) meta-objective with respect to θ. */
  grad: Float64Array;
  /** Mean over the particles used of their unroll objectives (sum of losses). */
  metaLoss: number;
  state: E;
  metrics: EstimateMetrics;
}

/**
 * A gradient estimator: the sampling, unrolling and state re-packing around one pure
 * gradient function. `estimate` returns a new state; the caller disposes the old one.
 */
export interface GradientEstimator<E = unknown> {
  readonly name: string;
  init(theta: Float64Array, key: Key): E;
  estimate(theta: Float64Array, state: E, key: Key): Estimate<E>;
  /** A JSON-encodable copy of the state (typed arrays allowed), for checkpoints. */
  snapshot(state: E): unknown;
  restore(snapshot: unknown): E;
  dispose(state: E): void;
}
