import * as tf from '@tensorflow/tfjs';
import { foldIn, makeKey, type Task } from '@pes/core';
import { registerWasmConvGradients } from '@pes/inner-problems';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_TASK_FAMILY,
  describeMember,
  sampleMember,
  type FamilyState,
  type TaskFamily,
} from '../src/index.js';
import { loptNormalizedTask, taskFamilySchema } from '../src/node/index.js';

/** Grey 8×8 MNIST, nets of 1 or 2 blocks, episodes of 3 to 9 steps: every draw a conv net. */
const CONV: TaskFamily = {
  datasets: [{ name: 'mnist', size: 8 }],
  depths: [1, 2],
  widths: [4, 8],
  activations: ['relu', 'tanh'],
  batchSizes: [4, 8],
  horizon: { min: 3, max: 9 },
  evaluation: [
    {
      dataset: 'mnist',
      hidden: [4],
      network: 'conv',
      activation: 'relu',
      batchSize: 4,
      horizon: 5,
    },
  ],
  conv: { fraction: 1, filters: [2, 4] },
};

const SETTINGS = {
  innerLr: 1e-3,
  innerSchedule: 'cosine',
  fractionFeatures: false,
  oneDimensional: 'learned',
} as const;

/** θ per particle: the untrained one, plus `shift` on every number (the skip's included). */
const thetasFor = (task: Task, particles: number, shift = 0) => {
  const theta = task.initialTheta().map((v) => v + shift);
  const out = new Float64Array(particles * task.dim);
  for (let p = 0; p < particles; p++) out.set(theta, p * task.dim);
  return out;
};

describe('task families with small conv nets', () => {
  beforeAll(() => registerWasmConvGradients());

  it('draw conv nets from a key of their own: the rest of each draw is as without them', () => {
    const mixed: TaskFamily = { ...DEFAULT_TASK_FAMILY, conv: { fraction: 0.5, filters: [2, 4] } };
    const none: TaskFamily = { ...DEFAULT_TASK_FAMILY, conv: { fraction: 0, filters: [2] } };
    let convs = 0;
    for (let i = 0; i < 400; i++) {
      const plain = sampleMember(DEFAULT_TASK_FAMILY, makeKey(i));
      expect(sampleMember(none, makeKey(i))).toEqual(plain);
      const drawn = sampleMember(mixed, makeKey(i));
      const { network, hidden, ...rest } = drawn;
      const { hidden: plainHidden, ...plainRest } = plain;
      expect(rest).toEqual(plainRest);
      expect(hidden).toHaveLength(plainHidden.length);
      if (network === 'conv') {
        convs++;
        expect([2, 4]).toContain(hidden[0]);
        expect(new Set(hidden).size).toBe(1);
      } else expect(hidden).toEqual(plainHidden);
    }
    // Half of 400 draws, binomial standard error 10.
    expect(Math.abs(convs - 200)).toBeLessThan(40);
    const conv = sampleMember(CONV, makeKey(7));
    expect(describeMember(conv, 64, 10)).toMatch(/^mnist conv \d(-\d)? → 10 (relu|tanh), batch/);
  });

  it('are checked as a run’s setting: a share in [0, 1], filters, and depths the images allow', () => {
    expect(taskFamilySchema.safeParse(CONV).success).toBe(true);
    const bad = (family: object) => taskFamilySchema.safeParse(family).success;
    expect(bad({ ...CONV, conv: { fraction: 1.5, filters: [2] } })).toBe(false);
    expect(bad({ ...CONV, conv: { fraction: 0.5, filters: [] } })).toBe(false);
    // Three blocks halve 8×8 to 1×1; four would leave nothing.
    expect(bad({ ...CONV, depths: [3] })).toBe(true);
    const deep = taskFamilySchema.safeParse({ ...CONV, depths: [4] });
    expect(deep.success).toBe(false);
    expect(deep.error?.issues[0]?.message).toMatch(/2\^depth must not exceed/);
  });

  it('meta-train the normalised learned optimizer: finite, θ-dependent, resumable, leak-free', async () => {
    await tf.setBackend('wasm');
    const task = await loptNormalizedTask(CONV, SETTINGS);
    const before = tf.memory().numTensors;
    const key = makeKey(3);
    const start = task.init(key, 4, { stepOffsets: Int32Array.from([0, 0, 2, 2]) }) as FamilyState;
    expect(start.members.every((m) => m.network === 'conv')).toBe(true);
    // A conv member's parameters: a kernel and a bias per block, then the dense layer.
    expect(start.problems[0]!.params[0]!.map((p) => p.rank)).toEqual([
      ...start.members[0]!.hidden.flatMap(() => [4, 1]),
      2,
      1,
    ]);
    const mid = task.unroll(start, thetasFor(task, 4), 6, foldIn(key, 1));
    expect(mid.losses.every(Number.isFinite)).toBe(true);
    const restored = task.restore!(task.snapshot!(mid.state));
    const a = task.unroll(mid.state, thetasFor(task, 4), 12, foldIn(key, 2));
    const b = task.unroll(restored, thetasFor(task, 4), 12, foldIn(key, 2));
    expect(b.losses).toEqual(a.losses);
    expect(b.done).toEqual(a.done);
    const other = task.unroll(mid.state, thetasFor(task, 4, 0.1), 12, foldIn(key, 2));
    expect(other.losses).not.toEqual(a.losses);
    const e = task.evaluate(task.initialTheta(), makeKey(1));
    expect(Number.isFinite(e.evalLoss)).toBe(true);
    [start, mid.state, restored, a.state, b.state, other.state].forEach((x) => task.dispose!(x));
    expect(tf.memory().numTensors).toBe(before);
  });
});
