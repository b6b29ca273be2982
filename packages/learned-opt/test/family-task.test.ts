import * as tf from '@tensorflow/tfjs';
import { foldIn, makeKey, type Task } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TASK_FAMILY,
  sampleMember,
  type FamilyState,
  type TaskFamily,
} from '../src/index.js';
import { loptFamilyTask, taskFamilySchema } from '../src/node/index.js';

/** A family small enough for tests: networks of 4 or 8 units, episodes of 3 to 9 steps. */
const TINY: TaskFamily = {
  datasets: [{ name: 'mnist' }],
  depths: [1, 2],
  widths: [4, 8],
  activations: ['relu', 'tanh'],
  batchSizes: [4, 8],
  horizon: { min: 3, max: 9 },
  evaluation: [{ dataset: 'mnist', hidden: [4], activation: 'relu', batchSize: 4, horizon: 5 }],
};

const thetasFor = (task: Task, particles: number) => {
  const theta = task.initialTheta();
  const out = new Float64Array(particles * task.dim);
  for (let p = 0; p < particles; p++) {
    out.set(theta, p * task.dim);
    out[p * task.dim]! += 1e-3 * p;
  }
  return out;
};

describe('task families', () => {
  it('draws every choice of the family, and horizons log-uniformly between min and max', () => {
    const family: TaskFamily = { ...DEFAULT_TASK_FAMILY, horizon: { min: 10, max: 1000 } };
    const draws = Array.from({ length: 2000 }, (_, i) => sampleMember(family, makeKey(i)));
    expect(new Set(draws.map((d) => d.hidden.length))).toEqual(new Set(family.depths));
    expect(new Set(draws.map((d) => d.hidden[0]))).toEqual(new Set(family.widths));
    expect(new Set(draws.map((d) => d.activation))).toEqual(new Set(family.activations));
    expect(new Set(draws.map((d) => d.batchSize))).toEqual(new Set(family.batchSizes));
    const horizons = draws.map((d) => d.horizon).sort((a, b) => a - b);
    expect(horizons[0]).toBeGreaterThanOrEqual(10);
    expect(horizons.at(-1)).toBeLessThanOrEqual(1000);
    // Log-uniform on [10, 1000]: a quarter of the draws below 10^1.5 ≈ 32, half below 100, three
    // quarters below 316. Binomial standard error of a fraction over 2,000 draws ≈ 0.011.
    const below = (x: number) => horizons.filter((h) => h < x).length / horizons.length;
    expect(Math.abs(below(31.6) - 0.25)).toBeLessThan(0.04);
    expect(Math.abs(below(100) - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(below(316) - 0.75)).toBeLessThan(0.04);
  });

  it('refuses a family with an empty choice, a backwards horizon or evaluation on a dataset it lacks', () => {
    expect(taskFamilySchema.safeParse(TINY).success).toBe(true);
    expect(taskFamilySchema.safeParse({ ...TINY, widths: [] }).success).toBe(false);
    expect(taskFamilySchema.safeParse({ ...TINY, horizon: { min: 9, max: 3 } }).success).toBe(
      false,
    );
    const cifarEvaluation = [{ ...TINY.evaluation[0]!, dataset: 'cifar10' }];
    expect(taskFamilySchema.safeParse({ ...TINY, evaluation: cifarEvaluation }).success).toBe(
      false,
    );
  });

  it('gives each particle its own problems, particle-separably: a subset of particles unrolls the same', async () => {
    const task = await loptFamilyTask(TINY);
    const key = makeKey(11);
    const offsets = Int32Array.from([0, 0, 5, 5, 2, 2]);
    const all = task.init(key, 6, { stepOffsets: offsets }) as FamilyState;
    // Antithetic pairs (one offset) train one problem; other offsets draw others.
    expect(all.members[1]).toEqual(all.members[0]);
    expect(all.members[3]).toEqual(all.members[2]);
    expect(new Set(all.members.map((m) => JSON.stringify(m))).size).toBeGreaterThan(1);
    const some = task.init(key, 2, { stepOffsets: offsets.slice(2, 4) });
    const thetas = thetasFor(task, 6);
    const steps = 25;
    const r = task.unroll(all, thetas, steps, foldIn(key, 1));
    const s = task.unroll(some, thetas.slice(2 * task.dim, 4 * task.dim), steps, foldIn(key, 1));
    expect(s.losses).toEqual(r.losses.slice(2 * steps, 4 * steps));
    expect(s.done).toEqual(r.done.slice(2 * steps, 4 * steps));
    [all, some, r.state, s.state].forEach((x) => task.dispose!(x));
  });

  it('ends each episode at its own horizon and draws a new problem for the next, without leaking tensors', async () => {
    const task = await loptFamilyTask(TINY);
    const before = tf.memory().numTensors;
    const key = makeKey(3);
    const start = task.init(key, 2, { stepOffsets: Int32Array.from([1, 1]) }) as FamilyState;
    const first = start.members[0]!;
    const steps = 40;
    const r = task.unroll(start, thetasFor(task, 2), steps, key);
    const ends = [...r.done.slice(0, steps).keys()].filter((k) => r.done[k]);
    // The first episode began 1 step in: it ends after horizon − 1 steps.
    expect(ends[0]).toBe(first.horizon - 2);
    expect(ends.length).toBeGreaterThanOrEqual(Math.floor(steps / TINY.horizon.max));
    expect(r.losses.every(Number.isFinite)).toBe(true);
    const later = (r.state as FamilyState).members;
    expect(later[0]).toEqual(later[1]);
    task.dispose!(start);
    task.dispose!(r.state);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('continues from a snapshot exactly as from the state itself', async () => {
    const task = await loptFamilyTask(TINY);
    const key = makeKey(5);
    const start = task.init(key, 4, { stepOffsets: Int32Array.from([0, 0, 3, 3]) });
    const thetas = thetasFor(task, 4);
    const mid = task.unroll(start, thetas, 7, foldIn(key, 1));
    const restored = task.restore!(task.snapshot!(mid.state));
    const a = task.unroll(mid.state, thetas, 12, foldIn(key, 2));
    const b = task.unroll(restored, thetas, 12, foldIn(key, 2));
    expect(b.losses).toEqual(a.losses);
    expect(b.done).toEqual(a.done);
    [start, mid.state, restored, a.state, b.state].forEach((x) => task.dispose!(x));
  });

  it('evaluates θ on the family’s fixed evaluation problems: finite, and the same for the same key', async () => {
    const task = await loptFamilyTask(TINY);
    const e = task.evaluate(task.initialTheta(), makeKey(1));
    expect(Number.isFinite(e.evalLoss)).toBe(true);
    expect(e['valAccuracy']).toBeGreaterThan(0);
    expect(task.evaluate(task.initialTheta(), makeKey(1))).toEqual(e);
  });
});
