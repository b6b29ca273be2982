import { describe, expect, it } from 'vitest';
import {
  defaultLinearQuadraticConfig,
  foldIn,
  linearQuadraticTask,
  makeKey,
  pesAnalytic,
  persistentEs,
  rtrl,
  uoro,
  type GradientEstimator,
  type Key,
} from '../src/index.js';
import { staggeredTruth, summedEstimates } from './quadratic-truth.js';
import { standardErrorsFromTruth, totalVariance } from './statistics.js';

// Same reasoning as estimators.statistical.test.ts: 300 repeats, 4 SE for unbiasedness.
const REPEATS = 300;
const UNBIASED_SE = 4;
// RTRL is exact: only floating-point rounding separates it from the closed form.
const RTRL_RELATIVE_TOLERANCE = 1e-12;

const PARTICLES = 20;
const SIGMA = 0.1;
const HORIZON = 40;
const UNROLL = 4;
const THETA = Float64Array.of(0.8, -0.5);
const task = linearQuadraticTask(defaultLinearQuadraticConfig(HORIZON));

function keys(name: string, count = REPEATS): Key[] {
  const root = makeKey([...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7));
  return Array.from({ length: count }, (_, r) => foldIn(root, r));
}

describe('RTRL', () => {
  it('equals the exact gradient of an episode to float precision, across truncations', () => {
    const { sum } = summedEstimates(
      rtrl(task, { particles: 1, sigma: 0, unrollLength: UNROLL, stagger: false }),
      THETA,
      makeKey(0),
      HORIZON / UNROLL,
    );
    const truth = task.exactGradient(THETA, 0, HORIZON);
    sum.forEach((g, j) =>
      expect(Math.abs(g - truth[j]!)).toBeLessThan(RTRL_RELATIVE_TOLERANCE * Math.abs(truth[j]!)),
    );
  });

  it('stays exact through staggered episodes that end inside truncations', () => {
    const t = linearQuadraticTask(defaultLinearQuadraticConfig(6));
    const { sum, offsets } = summedEstimates(
      rtrl(t, { particles: 8, sigma: 0, unrollLength: UNROLL }),
      THETA,
      makeKey(1),
      30,
    );
    const truth = staggeredTruth(t, THETA, offsets, 30 * UNROLL);
    sum.forEach((g, j) =>
      expect(Math.abs(g - truth[j]!)).toBeLessThan(
        RTRL_RELATIVE_TOLERANCE * Math.abs(truth[j]!) * 10,
      ),
    );
  });
});

describe('UORO', () => {
  it('is unbiased: the mean over repeats is within 4 SE of the exact gradient', () => {
    const estimator = uoro(task, { particles: 1, sigma: 0, unrollLength: UNROLL, stagger: false });
    const samples = keys('uoro').map(
      (k) => summedEstimates(estimator, THETA, k, HORIZON / UNROLL).sum,
    );
    expect(standardErrorsFromTruth(samples, task.exactGradient(THETA, 0, HORIZON))).toBeLessThan(
      UNBIASED_SE,
    );
    // and it is an approximation: single estimates differ from the truth
    expect(Array.from(samples[0]!)).not.toEqual(Array.from(samples[1]!));
  });
});

describe('PES-A', () => {
  it('summed over an episode: within 4 SE of the exact gradient', () => {
    const estimator = pesAnalytic(task, {
      particles: PARTICLES,
      sigma: SIGMA,
      unrollLength: UNROLL,
      stagger: false,
    });
    const samples = keys('pes-a').map(
      (k) => summedEstimates(estimator, THETA, k, HORIZON / UNROLL).sum,
    );
    expect(standardErrorsFromTruth(samples, task.exactGradient(THETA, 0, HORIZON))).toBeLessThan(
      UNBIASED_SE,
    );
  });

  it('staggered, with episodes ending inside truncations: within 4 SE', () => {
    const t = linearQuadraticTask(defaultLinearQuadraticConfig(6));
    const estimator = pesAnalytic(t, { particles: PARTICLES, sigma: SIGMA, unrollLength: UNROLL });
    const runs = keys('pes-a-staggered').map((k) => summedEstimates(estimator, THETA, k, 30));
    const truths = runs.map((r) => staggeredTruth(t, THETA, r.offsets, 30 * UNROLL));
    expect(
      standardErrorsFromTruth(
        runs.map((r) => r.sum),
        truths,
      ),
    ).toBeLessThan(UNBIASED_SE);
  });

  it('has lower variance than PES with the same particles', () => {
    const MAX_VARIANCE_RATIO = 0.5;
    const settings = { particles: PARTICLES, sigma: SIGMA, unrollLength: UNROLL, stagger: false };
    const variance = (estimator: GradientEstimator) =>
      totalVariance(
        keys('variance', 200).map(
          (k) => summedEstimates(estimator, THETA, k, HORIZON / UNROLL).sum,
        ),
      );
    const ratio =
      variance(pesAnalytic(task, settings) as GradientEstimator) /
      variance(persistentEs(task, settings) as GradientEstimator);
    expect(ratio).toBeLessThan(MAX_VARIANCE_RATIO);
  });
});
