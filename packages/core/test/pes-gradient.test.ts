import { describe, expect, it } from 'vitest';
import {
  lastEpisodeEnd,
  pesAccumulators,
  perturbationGradient,
  perturbations,
} from '../src/index.js';

// One particle, one θ dimension, three steps: small enough to check by hand.
const base = { particles: 1, steps: 3, dim: 1, sigma: 1 };
const losses = Float64Array.of(1, 2, 4);

describe('perturbationGradient: weights by hand', () => {
  it('without an episode end every loss is weighted by ξ + ε', () => {
    const { grad, objectives } = perturbationGradient({
      ...base,
      losses,
      done: Uint8Array.of(0, 0, 0),
      accumulators: Float64Array.of(0.5),
      eps: Float64Array.of(0.25),
    });
    expect(objectives[0]).toBe(7);
    expect(grad[0]).toBeCloseTo(7 * 0.75, 15);
  });

  it('losses up to and including the ending step take ξ + ε; the new episode’s take ε only', () => {
    const { grad } = perturbationGradient({
      ...base,
      losses,
      done: Uint8Array.of(0, 1, 0),
      accumulators: Float64Array.of(0.5),
      eps: Float64Array.of(0.25),
    });
    expect(grad[0]).toBeCloseTo((1 + 2) * 0.75 + 4 * 0.25, 15);
  });

  it('divides by N σ² over the particles used, leaving excluded ones out', () => {
    const { grad, used } = perturbationGradient({
      particles: 2,
      steps: 1,
      dim: 1,
      sigma: 2,
      losses: Float64Array.of(3, Number.NaN),
      done: Uint8Array.of(0, 0),
      accumulators: Float64Array.of(0, 0),
      eps: Float64Array.of(1, -1),
      include: Uint8Array.of(1, 0),
    });
    expect(used).toBe(1);
    expect(grad[0]).toBeCloseTo(3 / (1 * 4), 15);
  });

  it('fitness shaping divides by the standard deviation of the objectives', () => {
    const input = {
      particles: 2,
      steps: 1,
      dim: 1,
      sigma: 1,
      losses: Float64Array.of(5, 1),
      done: Uint8Array.of(0, 0),
      accumulators: Float64Array.of(0, 0),
      eps: Float64Array.of(1, -1),
    };
    const plain = perturbationGradient(input).grad[0]!;
    const shaped = perturbationGradient({ ...input, fitnessShaping: true }).grad[0]!;
    expect(plain).toBeCloseTo(2, 15); // (5 − 1) / 2
    expect(shaped).toBeCloseTo(plain / 2, 15); // objectives 5 and 1: std 2
  });

  it('one-sided fitness shaping centres the losses before weighting', () => {
    const { grad } = perturbationGradient({
      particles: 2,
      steps: 1,
      dim: 1,
      sigma: 1,
      losses: Float64Array.of(5, 1),
      done: Uint8Array.of(0, 0),
      accumulators: Float64Array.of(0, 0),
      eps: Float64Array.of(1, 0.5),
      fitnessShaping: true,
    });
    // Centred 2 and −2: (2 · 1 − 2 · 0.5) / 2, over the std 2; uncentred it would be 1.375.
    expect(grad[0]).toBeCloseTo(0.25, 15);
  });

  it('one-sided fitness shaping centres each step, across an episode end, and ignores a shift', () => {
    const input = {
      particles: 2,
      steps: 2,
      dim: 1,
      sigma: 1,
      losses: Float64Array.of(1, 3, 2, 6),
      done: Uint8Array.of(1, 0, 0, 0),
      accumulators: Float64Array.of(0.5, -0.25),
      eps: Float64Array.of(0.25, 0.5),
      fitnessShaping: true,
    };
    const { grad } = perturbationGradient(input);
    // Step means 1.5 and 4.5. Particle 0: −0.5 · (ξ + ε) − 1.5 · ε = −0.75; particle 1:
    // (0.5 + 1.5) · (ξ + ε) = 0.5. Sum −0.25, over N σ² = 2 and the objectives' std 2.
    expect(grad[0]).toBeCloseTo(-0.0625, 15);
    const shifted = perturbationGradient({ ...input, losses: input.losses.map((l) => l + 10) });
    expect(shifted.grad[0]).toBeCloseTo(grad[0]!, 14);
  });
});

describe('pesAccumulators', () => {
  const acc = Float64Array.of(0.5);
  const eps = Float64Array.of(0.25);
  it('grow by ε while the episode goes on', () => {
    expect(pesAccumulators(acc, eps, Uint8Array.of(0, 0, 0), 1, 3, 1)[0]).toBe(0.75);
  });
  it('restart at ε when an episode began inside the unroll', () => {
    expect(pesAccumulators(acc, eps, Uint8Array.of(1, 0, 0), 1, 3, 1)[0]).toBe(0.25);
  });
  it('restart at 0 when the episode ended on the last step', () => {
    expect(pesAccumulators(acc, eps, Uint8Array.of(0, 0, 1), 1, 3, 1)[0]).toBe(0);
  });
  it('find the last end of several inside one unroll', () => {
    expect(lastEpisodeEnd(Uint8Array.of(1, 0, 1, 0), 0, 4)).toBe(2);
    expect(lastEpisodeEnd(Uint8Array.of(0, 0), 0, 2)).toBe(-1);
  });
});

describe('perturbations', () => {
  it('pairs each antithetic perturbation with its negation, scaled by σ', () => {
    const eps = perturbations(Float64Array.of(1, 2), 2, 2, 0.5, true);
    expect(Array.from(eps)).toEqual([0.5, 1, -0.5, -1]);
  });
  it('draws one row per particle when one-sided', () => {
    const eps = perturbations(Float64Array.of(1, 2), 2, 1, 1, false);
    expect(Array.from(eps)).toEqual([1, 2]);
  });
});
