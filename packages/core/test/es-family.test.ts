import { describe, expect, it } from 'vitest';
import {
  defaultLinearQuadraticConfig,
  fullEs,
  linearQuadraticTask,
  makeKey,
  noiseReuseEs,
  pesAnalytic,
  persistentEs,
  truncatedEs,
  type EstimatorSettings,
  type GradientEstimator,
  type LinearQuadraticTask,
} from '../src/index.js';

// What the ES-family shell does for every estimator of the family: count, drop, restart, check.
const PARTICLES = 6;
const UNROLL = 4;
const HORIZON = 10;
const THETA = Float64Array.of(0.8, -0.5);
const settings = { particles: PARTICLES, sigma: 0.1, unrollLength: UNROLL };
const task = linearQuadraticTask(defaultLinearQuadraticConfig(HORIZON));

type Make = (t: LinearQuadraticTask, s: EstimatorSettings) => GradientEstimator;
// Inner steps per estimate: the particles' unroll plus what each runs besides it.
const family: [string, Make, number][] = [
  ['pes', persistentEs as Make, PARTICLES * UNROLL],
  ['nres', noiseReuseEs as Make, PARTICLES * UNROLL],
  ['tes', truncatedEs as Make, (PARTICLES + 1) * UNROLL], // the shared trajectory's K steps
  ['es', ((t, s) => fullEs(t, { ...s, unrollLength: t.horizon })) as Make, PARTICLES * HORIZON],
  ['pes-a', pesAnalytic as Make, 2 * PARTICLES * UNROLL], // the differentiated unroll
];

/** The task with NaN losses for the particles `poisoned` marks. */
function poisoned(poison: (p: number) => boolean): LinearQuadraticTask {
  return {
    ...task,
    unroll(state, thetas, steps, key) {
      const r = task.unroll(state, thetas, steps, key);
      const losses = r.losses.slice();
      for (let p = 0; p < losses.length / steps; p++) if (poison(p)) losses[p * steps] = NaN;
      return { ...r, losses };
    },
  };
}

describe.each(family)('ES-family shell: %s', (name, make, innerSteps) => {
  it('counts its inner steps and ended episodes', () => {
    const estimator = make(task, settings);
    const r = estimator.estimate(THETA, estimator.init(THETA, makeKey(0)), makeKey(1));
    expect(r.metrics.innerSteps).toBe(innerSteps);
    expect(r.metrics.nonFiniteParticles).toBe(0);
    if (name === 'es') expect(r.metrics.episodesEnded).toBe(PARTICLES);
  });

  it('leaves out the pair of a particle with a non-finite loss, restarts and counts it', () => {
    const estimator = make(
      poisoned((p) => p === 2),
      settings,
    );
    const r = estimator.estimate(THETA, estimator.init(THETA, makeKey(0)), makeKey(1));
    expect(r.grad.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(r.metaLoss)).toBe(true);
    expect(r.metrics.nonFiniteParticles).toBe(2);
    const state = r.state as Partial<{
      task: { t: Int32Array };
      accumulators: Float64Array;
      redraw: Uint8Array;
    }>;
    if (state.task?.t.length === PARTICLES) {
      expect(Array.from(state.task.t.subarray(2, 4))).toEqual([0, 0]); // fresh episodes
    }
    if (state.accumulators) {
      expect(Array.from(state.accumulators.subarray(2 * task.dim, 4 * task.dim))).toEqual([
        0, 0, 0, 0,
      ]); // a fresh ξ
    }
    if (state.redraw) expect(Array.from(state.redraw.subarray(2, 4))).toEqual([1, 1]); // a fresh ε
  });

  it('says NaN when no particle is left', () => {
    const estimator = make(
      poisoned(() => true),
      settings,
    );
    const r = estimator.estimate(THETA, estimator.init(THETA, makeKey(0)), makeKey(1));
    expect(r.grad.every(Number.isNaN)).toBe(true);
    expect(r.metaLoss).toBeNaN();
    expect(r.metrics.nonFiniteParticles).toBe(PARTICLES);
  });

  it('rejects a checkpoint whose noise arrays do not match, naming the array', () => {
    const estimator = make(task, settings);
    const snapshot = estimator.snapshot(estimator.init(THETA, makeKey(0))) as Record<
      string,
      unknown
    >;
    const arrays = Object.keys(snapshot).filter((k) => ArrayBuffer.isView(snapshot[k]));
    for (const k of arrays) {
      expect(() => estimator.restore({ ...snapshot, [k]: new Float64Array(1) })).toThrow(
        new RegExp(`${name} checkpoint: ${k} is not`),
      );
    }
    expect(arrays.length).toBe({ pes: 1, 'pes-a': 1, nres: 3, tes: 0, es: 0 }[name]);
  });
});
