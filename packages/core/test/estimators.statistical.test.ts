import { describe, expect, it } from 'vitest';
import {
  defaultLinearQuadraticConfig,
  foldIn,
  fullEs,
  linearQuadraticTask,
  makeKey,
  noiseReuseEs,
  normal,
  perturbationGradient,
  persistentEs,
  perturbations,
  perturbedThetas,
  split,
  truncatedEs,
  type GradientEstimator,
  type Key,
  type LinearQuadraticTask,
  type UnrollResult,
} from '../src/index.js';
import { staggeredTruth, summedEstimates } from './quadratic-truth.js';
import { addInto, standardErrorsFromTruth, totalVariance } from './statistics.js';

/*
 * The estimators against a problem whose smoothed gradient is known exactly (a linear system
 * with a quadratic loss: smoothing only adds a constant, so the truth is the exact gradient).
 *
 * Why these numbers suffice: each test averages REPEATS independent estimates; by the central
 * limit theorem the mean's error is ≈ N(0, SE²), so an unbiased estimator lands beyond
 * UNBIASED_SE standard errors with probability ~6e-5 per component, and the estimated SE is
 * itself within a few per cent of the true one at this many repeats. Keys are fixed, so every
 * run of the suite sees the same numbers. A bias is declared only beyond BIASED_SE standard
 * errors, a distance no unbiased estimator reaches by chance.
 */
const REPEATS = 300;
const UNBIASED_SE = 4;
const BIASED_SE = 10;

const PARTICLES = 20;
const SIGMA = 0.1;
const HORIZON = 40;
const UNROLL = 4;
const THETA = Float64Array.of(0.8, -0.5);

const task = linearQuadraticTask(defaultLinearQuadraticConfig(HORIZON));

function repeatKeys(name: string): Key[] {
  const root = makeKey(name.length * 7919 + name.charCodeAt(0));
  return Array.from({ length: REPEATS }, (_, r) => foldIn(root, r));
}

describe('unbiased estimators on the linear-quadratic problem', () => {
  const episodeTruth = task.exactGradient(THETA, 0, HORIZON);

  it('full-horizon ES: the mean estimate is within 4 SE of the exact gradient', () => {
    const es = fullEs(task, { particles: PARTICLES, sigma: SIGMA, unrollLength: HORIZON });
    const samples = repeatKeys('es').map((k) => summedEstimates(es, THETA, k, 1).sum);
    expect(standardErrorsFromTruth(samples, episodeTruth)).toBeLessThan(UNBIASED_SE);
  });

  it('PES summed over the unrolls of one episode: within 4 SE of the exact gradient', () => {
    const pes = persistentEs(task, {
      particles: PARTICLES,
      sigma: SIGMA,
      unrollLength: UNROLL,
      stagger: false,
    });
    const samples = repeatKeys('pes').map(
      (k) => summedEstimates(pes, THETA, k, HORIZON / UNROLL).sum,
    );
    expect(standardErrorsFromTruth(samples, episodeTruth)).toBeLessThan(UNBIASED_SE);
  });

  // Horizons that K does not divide: episodes end inside truncations, and the losses after a
  // reset must be weighted by the new ε alone. The short horizon puts a reset in most
  // truncations, which gives the test power against mistakes in that bookkeeping.
  for (const { horizon, truncations } of [
    { horizon: 30, truncations: 25 },
    { horizon: 6, truncations: 30 },
  ]) {
    it(`PES over ${truncations} staggered truncations, episodes of ${horizon} ending inside them: within 4 SE`, () => {
      const t = linearQuadraticTask(defaultLinearQuadraticConfig(horizon));
      const pes = persistentEs(t, { particles: PARTICLES, sigma: SIGMA, unrollLength: UNROLL });
      const runs = repeatKeys(`pes-staggered-${horizon}`).map((k) => {
        const { sum, offsets, episodesEnded } = summedEstimates(pes, THETA, k, truncations);
        return {
          sum,
          truth: staggeredTruth(t, THETA, offsets, truncations * UNROLL),
          ended: episodesEnded,
        };
      });
      const minimumEpisodes = Math.floor((truncations * UNROLL) / horizon) * PARTICLES;
      expect(runs.every((r) => r.ended >= minimumEpisodes)).toBe(true);
      expect(
        standardErrorsFromTruth(
          runs.map((r) => r.sum),
          runs.map((r) => r.truth),
        ),
      ).toBeLessThan(UNBIASED_SE);
    });
  }

  it('noise-reuse ES summed over the unrolls of one episode: within 4 SE', () => {
    const nres = noiseReuseEs(task, {
      particles: PARTICLES,
      sigma: SIGMA,
      unrollLength: UNROLL,
      stagger: false,
    });
    const samples = repeatKeys('nres').map(
      (k) => summedEstimates(nres, THETA, k, HORIZON / UNROLL).sum,
    );
    expect(standardErrorsFromTruth(samples, episodeTruth)).toBeLessThan(UNBIASED_SE);
  });

  // Staggered in multiples of K, but K does not divide these horizons: later episodes begin
  // inside an unroll under the previous ε, which must then keep weighting them.
  for (const { horizon, truncations } of [
    { horizon: 30, truncations: 25 },
    { horizon: 6, truncations: 30 },
  ]) {
    it(`noise-reuse ES over ${truncations} staggered truncations, episodes of ${horizon}: within 4 SE`, () => {
      const t = linearQuadraticTask(defaultLinearQuadraticConfig(horizon));
      const nres = noiseReuseEs(t, { particles: PARTICLES, sigma: SIGMA, unrollLength: UNROLL });
      const runs = repeatKeys(`nres-staggered-${horizon}`).map((k) => {
        const { sum, offsets } = summedEstimates(nres, THETA, k, truncations);
        return { sum, truth: staggeredTruth(t, THETA, offsets, truncations * UNROLL) };
      });
      expect(
        standardErrorsFromTruth(
          runs.map((r) => r.sum),
          runs.map((r) => r.truth),
        ),
      ).toBeLessThan(UNBIASED_SE);
    });
  }
});

describe('biased estimators are shown biased', () => {
  // K = 1 on a system whose modes decay over 10–20 steps: truncation sees a fraction of θ's effect.
  const shortUnroll = 1;

  it('truncated ES lies more than 10 SE from the exact gradient, and within 4 SE of the truncated one', () => {
    const tes = truncatedEs(task, {
      particles: PARTICLES,
      sigma: SIGMA,
      unrollLength: shortUnroll,
    });
    const samples = repeatKeys('tes').map((k) => summedEstimates(tes, THETA, k, HORIZON).sum);
    const truncated = new Float64Array(task.dim);
    for (let j = 0; j < HORIZON; j++) addInto(truncated, task.truncatedGradient(THETA, j, j + 1));
    expect(standardErrorsFromTruth(samples, task.exactGradient(THETA, 0, HORIZON))).toBeGreaterThan(
      BIASED_SE,
    );
    expect(standardErrorsFromTruth(samples, truncated)).toBeLessThan(UNBIASED_SE);
  });

  it('PES with its accumulator dropped (weights ε instead of ξ) is biased: the test has power', () => {
    // The mutation a wrong implementation would make; the unbiasedness check must reject it.
    const samples = repeatKeys('mutant').map((key) => {
      const [initKey, loopKey] = split(key, 2) as [Key, Key];
      let state = task.init(initKey, PARTICLES);
      const sum = new Float64Array(task.dim);
      for (let j = 0; j < HORIZON / UNROLL; j++) {
        const [noiseKey, unrollKey] = split(foldIn(loopKey, j), 2) as [Key, Key];
        const eps = perturbations(
          normal(noiseKey, (PARTICLES / 2) * task.dim),
          PARTICLES,
          task.dim,
          SIGMA,
          true,
        );
        const r = task.unroll(state, perturbedThetas(THETA, eps, PARTICLES), UNROLL, unrollKey);
        const { grad } = perturbationGradient({
          particles: PARTICLES,
          steps: UNROLL,
          dim: task.dim,
          losses: r.losses,
          done: r.done,
          accumulators: new Float64Array(PARTICLES * task.dim), // the mutation
          eps,
          sigma: SIGMA,
        });
        addInto(sum, grad);
        state = r.state;
      }
      return sum;
    });
    expect(standardErrorsFromTruth(samples, task.exactGradient(THETA, 0, HORIZON))).toBeGreaterThan(
      BIASED_SE,
    );
  });

  // learned_optimization's `compute_pes_grad` switches a particle to ε alone from the step whose
  // done flag is set on, so the last loss of an episode loses its ξ weight although ξ shaped
  // it; ours keeps ξ + ε there. Both rules are computed from the same PES runs: the mutant is
  // ours minus L_end ξ / (N σ²), for each particle whose episode ended inside the unroll.
  it("learned_optimization's ending-step rule (ε alone) is biased; ours (ξ + ε) is within 4 SE", () => {
    // Episodes of 6 put an end in most unrolls of 4: the mutant lands ~24 SE off (~11% and ~5%
    // per component). With episodes of 30 its bias is ~3%, too few SE for this many repeats.
    const horizon = 6;
    const truncations = 30;
    const t = linearQuadraticTask(defaultLinearQuadraticConfig(horizon));
    const runs = repeatKeys('lopt-ending-step').map((k) => {
      const { ours, mutant, offsets } = endingStepRules(t, k, truncations);
      return { ours, mutant, truth: staggeredTruth(t, THETA, offsets, truncations * UNROLL) };
    });
    const truths = runs.map((r) => r.truth);
    const ours = standardErrorsFromTruth(
      runs.map((r) => r.ours),
      truths,
    );
    const mutant = standardErrorsFromTruth(
      runs.map((r) => r.mutant),
      truths,
    );
    expect(ours).toBeLessThan(UNBIASED_SE);
    expect(mutant).toBeGreaterThan(BIASED_SE);
  });
});

/**
 * PES summed over `truncations` staggered estimates (as `summedEstimates`), and the same sum
 * with every episode's ending step weighted by ε alone (learned_optimization's rule).
 */
function endingStepRules(t: LinearQuadraticTask, key: Key, truncations: number) {
  let last: UnrollResult<unknown> | undefined;
  const recording: LinearQuadraticTask = {
    ...t,
    unroll: (...args) => (last = t.unroll(...args)),
  };
  const pes = persistentEs(recording, { particles: PARTICLES, sigma: SIGMA, unrollLength: UNROLL });
  const [initKey, loopKey] = split(key, 2) as [Key, Key];
  let state = pes.init(THETA, initKey);
  const offsets = state.task.t.slice();
  const ours = new Float64Array(t.dim);
  const mutant = new Float64Array(t.dim);
  for (let j = 0; j < truncations; j++) {
    const xi = state.accumulators;
    const r = pes.estimate(THETA, state, foldIn(loopKey, j));
    addInto(ours, r.grad);
    addInto(mutant, r.grad);
    for (let p = 0; p < PARTICLES; p++) {
      const end = last!.done.subarray(p * UNROLL, (p + 1) * UNROLL).indexOf(1);
      if (end < 0) continue;
      const loss = last!.losses[p * UNROLL + end]!;
      for (let i = 0; i < t.dim; i++) {
        mutant[i]! -= (loss * xi[p * t.dim + i]!) / (PARTICLES * SIGMA * SIGMA);
      }
    }
    state = r.state;
  }
  return { ours, mutant, offsets };
}

describe('variance and determinism', () => {
  it('antithetic sampling has lower variance than one-sided sampling at the same N', () => {
    // One-sided ES carries the baseline L(θ)·ε/σ² in every estimate; antithetic pairs cancel it.
    const MAX_VARIANCE_RATIO = 0.1;
    const variance = (antithetic: boolean) => {
      const es = fullEs(task, {
        particles: PARTICLES,
        sigma: SIGMA,
        unrollLength: HORIZON,
        antithetic,
      });
      return totalVariance(
        repeatKeys(`anti-${antithetic}`).map((k) => summedEstimates(es, THETA, k, 1).sum),
      );
    };
    expect(variance(true) / variance(false)).toBeLessThan(MAX_VARIANCE_RATIO);
  });

  // A constant added to every loss leaves the true gradient alone, but adds c K Σ ε / (N σ²)
  // to an uncentred one-sided estimate. Fitness shaping centres each step's losses, so only
  // rounding may move the estimate. Episodes of 6 end inside the unrolls of 4 (PES's ξ and
  // noise-reuse ES's carried ε then weight part of an unroll).
  const SHIFT = 100;
  // Centring L + c loses ~c · 2⁻⁵² against per-particle spreads of ~10⁻²: far below this.
  const SHIFT_RELATIVE_TOLERANCE = 1e-9;
  const shortTask = linearQuadraticTask(defaultLinearQuadraticConfig(6));
  const shifted: LinearQuadraticTask = {
    ...shortTask,
    unroll(...args) {
      const r = shortTask.unroll(...args);
      return { ...r, losses: r.losses.map((l) => l + SHIFT) };
    },
  };
  const oneSided = { particles: PARTICLES, sigma: SIGMA, antithetic: false, fitnessShaping: true };
  const shaped = {
    es: (t: LinearQuadraticTask) => fullEs(t, { ...oneSided, unrollLength: t.horizon }),
    pes: (t: LinearQuadraticTask) => persistentEs(t, { ...oneSided, unrollLength: UNROLL }),
    tes: (t: LinearQuadraticTask) => truncatedEs(t, { ...oneSided, unrollLength: UNROLL }),
    nres: (t: LinearQuadraticTask) => noiseReuseEs(t, { ...oneSided, unrollLength: UNROLL }),
  };
  for (const [name, make] of Object.entries(shaped)) {
    it(`${name}, one-sided with fitness shaping: adding ${SHIFT} to every loss moves nothing`, () => {
      const run = (t: LinearQuadraticTask) =>
        summedEstimates(make(t) as GradientEstimator, THETA, makeKey(7), 5).sum;
      const plain = run(shortTask);
      run(shifted).forEach((g, j) =>
        expect(Math.abs(g - plain[j]!)).toBeLessThan(
          SHIFT_RELATIVE_TOLERANCE * Math.abs(plain[j]!),
        ),
      );
    });
  }

  const estimators = {
    es: () => fullEs(task, { particles: PARTICLES, sigma: SIGMA, unrollLength: HORIZON }),
    pes: () => persistentEs(task, { particles: PARTICLES, sigma: SIGMA, unrollLength: UNROLL }),
    tes: () => truncatedEs(task, { particles: PARTICLES, sigma: SIGMA, unrollLength: UNROLL }),
    nres: () => noiseReuseEs(task, { particles: PARTICLES, sigma: SIGMA, unrollLength: UNROLL }),
  };
  for (const [name, make] of Object.entries(estimators)) {
    it(`${name}: the same key gives a bit-identical estimate; another key differs`, () => {
      const run = (seed: number) =>
        summedEstimates(make() as GradientEstimator, THETA, makeKey(seed), 3).sum;
      const a = run(1);
      expect(Buffer.from(run(1).buffer)).toEqual(Buffer.from(a.buffer));
      expect(Buffer.from(run(2).buffer)).not.toEqual(Buffer.from(a.buffer));
    });
  }
});
