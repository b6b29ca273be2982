import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { adamTensor, type TensorOptimizer } from '@pes/inner-problems';
import { describe, expect, it } from 'vitest';
import {
  initialNormalizedLoptTheta,
  normalizedLopt,
  normalizedLoptLayout,
  scheduledLearningRate,
  type LearningRateSchedule,
  type NormalizedLoptSettings,
} from '../src/index.js';
import { updatePeakBytes } from './update-peak.js';

/** A θ whose every weight is drawn (the untrained one's MLP output is zero): all of it is read. */
const theta = Float64Array.from(normal(makeKey(5), normalizedLoptLayout().dim), (v) => 0.5 * v);
const SHAPES = [[6, 4], [4], [3, 2, 2, 5]] as const;

function params(): tf.Tensor[] {
  return SHAPES.map((shape, i) => {
    const size = shape.reduce((a: number, n: number) => a * n, 1);
    return tf.tensor(Float32Array.from(normal(makeKey(40 + i), size)), [...shape]);
  });
}

/** The gradients of step k: a fixed draw, with scales that differ between tensors. */
function grads(k: number): tf.Tensor[] {
  return SHAPES.map((shape, i) => {
    const size = shape.reduce((a: number, n: number) => a * n, 1);
    const scale = [1, 1e-3, 30][i]!;
    return tf.tensor(
      Float32Array.from(normal(makeKey(1000 * k + i), size), (v) => scale * v),
      [...shape],
    );
  });
}

/**
 * Steps an optimizer through `history` gradient steps numbered `steps`, then one more at
 * `lastStep`; returns that last update and state as plain arrays, disposing everything.
 */
function lastUpdate(optimizer: TensorOptimizer, steps: number[], lastStep: number) {
  const p = params();
  let state = optimizer.init(p);
  const run = (k: number, step: number) => {
    const g = grads(k);
    const r = tf.tidy(() => optimizer.update(g, state, p, step));
    tf.dispose([...g, ...state]);
    state = r.state;
    return r.updates;
  };
  steps.forEach((step, k) => tf.dispose(run(k, step)));
  const updates = run(steps.length, lastStep);
  const out = {
    updates: updates.map((u) => Array.from(u.dataSync())),
    state: state.map((s) => Array.from(s.dataSync())),
  };
  tf.dispose([...updates, ...state, ...p]);
  return out;
}

const optimizerOf = (settings: NormalizedLoptSettings, th: Float64Array = theta) =>
  normalizedLopt(settings).optimizer(th);

const rms = (xs: number[]) => Math.sqrt(xs.reduce((a, v) => a + v * v, 0) / xs.length);

describe('the normalised learned optimizer', () => {
  it('is deterministic: the same θ and gradients give the same updates and state, bit for bit', () => {
    const a = lastUpdate(optimizerOf({ learningRate: 1e-3 }), [0, 1, 2], 3);
    const b = lastUpdate(optimizerOf({ learningRate: 1e-3 }), [0, 1, 2], 3);
    expect(b).toEqual(a);
    // …and θ is read: another θ steps otherwise.
    const other = lastUpdate(
      optimizerOf(
        { learningRate: 1e-3 },
        theta.map((v) => -v),
      ),
      [0, 1, 2],
      3,
    );
    expect(other.updates).not.toEqual(a.updates);
  });

  it('has no time features: the same gradient history at step 10 and at step 10⁵ gives the same update', () => {
    const at = (first: number, settings: NormalizedLoptSettings) =>
      lastUpdate(optimizerOf(settings), [first, first + 1, first + 2], first + 3);
    const early = at(7, { learningRate: 1e-3 });
    const late = at(1e5 - 3, { learningRate: 1e-3 });
    expect(late).toEqual(early);
    // The comparison sees a step dependence where there is one: with the total number of steps
    // given, the fraction-of-training features make the two differ.
    const withTotal = { learningRate: 1e-3, totalSteps: 2e5 };
    expect(at(1e5 - 3, withTotal).updates).not.toEqual(at(7, withTotal).updates);
  });

  it('steps a unit-RMS direction times the learning rate, per tensor', () => {
    const { updates } = lastUpdate(optimizerOf({ learningRate: 1e-3 }), [0, 1], 2);
    for (const u of updates) expect(rms(u)).toBeCloseTo(1e-3, 7);
  });

  it('scales its update with the learning rate: twice the rate is twice the update, bit for bit', () => {
    const one = lastUpdate(optimizerOf({ learningRate: 1e-3 }), [0, 1], 2);
    const two = lastUpdate(optimizerOf({ learningRate: 2e-3 }), [0, 1], 2);
    expect(two.updates).toEqual(one.updates.map((u) => u.map((v) => 2 * v)));
    expect(two.state).toEqual(one.state);
  });

  it('reads a schedule at its own step: cosine and warm-up plus cosine as a constant of their value', () => {
    const schedules: LearningRateSchedule[] = [
      { kind: 'cosine', peak: 3e-3, totalSteps: 20, final: 1e-4 },
      { kind: 'warmup-cosine', peak: 3e-3, warmupSteps: 4, totalSteps: 20 },
    ];
    for (const schedule of schedules) {
      for (const step of [1, 3, 9, 25]) {
        const scheduled = lastUpdate(optimizerOf({ learningRate: schedule }), [0], step);
        const constant = lastUpdate(
          optimizerOf({ learningRate: scheduledLearningRate(schedule, step) }),
          [0],
          step,
        );
        expect(scheduled.updates).toEqual(constant.updates);
      }
    }
  });

  it('has the schedules their names say', () => {
    const cosine: LearningRateSchedule = { kind: 'cosine', peak: 1, totalSteps: 100, final: 0.1 };
    expect(scheduledLearningRate(cosine, 0)).toBe(1);
    expect(scheduledLearningRate(cosine, 50)).toBeCloseTo(0.55, 12);
    expect(scheduledLearningRate(cosine, 100)).toBeCloseTo(0.1, 12);
    expect(scheduledLearningRate(cosine, 1000)).toBeCloseTo(0.1, 12);
    const warm: LearningRateSchedule = {
      kind: 'warmup-cosine',
      peak: 1,
      warmupSteps: 10,
      totalSteps: 110,
    };
    expect(scheduledLearningRate(warm, 0)).toBeCloseTo(0.1, 12);
    expect(scheduledLearningRate(warm, 9)).toBe(1);
    expect(scheduledLearningRate(warm, 10)).toBe(1);
    expect(scheduledLearningRate(warm, 60)).toBeCloseTo(0.5, 12);
    expect(scheduledLearningRate({ kind: 'constant', value: 0.3 }, 77)).toBe(0.3);
  });

  it('hands 1-D parameters to Adam when asked, and only those', () => {
    const adam = adamTensor().withLearningRate(1e-3);
    const reference = lastUpdate(
      {
        name: 'adam on all',
        init: (p) => p.flatMap((x) => adam.init([x])),
        update(g, state, p, step) {
          const r = p.map((x, i) => adam.update([g[i]!], state.slice(3 * i, 3 * i + 3), [x], step));
          return { updates: r.map((x) => x.updates[0]!), state: r.flatMap((x) => x.state) };
        },
      },
      [0, 1],
      2,
    );
    const handed = lastUpdate(
      optimizerOf({ learningRate: 1e-3, oneDimensional: 'adam' }),
      [0, 1],
      2,
    );
    const learned = lastUpdate(optimizerOf({ learningRate: 1e-3 }), [0, 1], 2);
    expect(handed.updates[1]).toEqual(reference.updates[1]);
    expect(learned.updates[1]).not.toEqual(reference.updates[1]);
    // The 2-D and 4-D tensors stay with the learned optimizer.
    expect(handed.updates[0]).toEqual(learned.updates[0]);
    expect(handed.updates[2]).toEqual(learned.updates[2]);
  });

  it('starts as RMS-normalised Adafactor momentum: its first update, computed by hand', () => {
    const untrained = initialNormalizedLoptTheta(makeKey(9));
    const { updates } = lastUpdate(optimizerOf({ learningRate: 1 }, untrained), [], 0);
    const g = Array.from(grads(0)[0]!.dataSync()); // [6, 4]
    // m = 0.1 g; R = 0.001 · row mean g², C = 0.001 · column mean g²; v̂ = R C / mean R.
    const row = [0, 1, 2, 3, 4, 5].map(
      (r) => g.slice(4 * r, 4 * r + 4).reduce((a, v) => a + v * v, 0) / 4,
    );
    const col = [0, 1, 2, 3].map((c) => row.reduce((a, _, r) => a + g[4 * r + c]! ** 2, 0) / 6);
    const meanRow = row.reduce((a, v) => a + v, 0) / 6;
    const direction = g.map((v, i) => {
      const vHat = (0.001 * row[Math.floor(i / 4)]! * 0.001 * col[i % 4]!) / (0.001 * meanRow);
      return (0.1 * v) / Math.sqrt(vHat);
    });
    const norm = rms(direction);
    updates[0]!.forEach((u, i) => expect(u).toBeCloseTo(-direction[i]! / norm, 4));
  });

  it('leaves no tensor behind over many steps', () => {
    const optimizer = optimizerOf({ learningRate: 1e-3, totalSteps: 100, oneDimensional: 'adam' });
    const p = params();
    let state = optimizer.init(p);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 50; step++) {
      const g = grads(step);
      const r = tf.tidy(() => optimizer.update(g, state, p, step));
      tf.dispose([...g, ...state, ...r.updates]);
      state = r.state;
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...state, ...p]);
  });

  it('holds one tensor’s intermediates at a time: a six-tensor update peaks at little more than a one-tensor one', async () => {
    const optimizer = optimizerOf({ learningRate: 1e-3 });
    const one = await updatePeakBytes(optimizer, 1);
    const six = await updatePeakBytes(optimizer, 6);
    // What one tensor's update makes on the way (features, hidden activations: tens of numbers a
    // parameter) is freed before the next tensor's: six tensors add only their kept updates and
    // states, never six sets of intermediates.
    expect(six).toBeLessThan(1.5 * one);
  });
});
