import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  learnedOptimizerRule,
  normalizedLearnedOptimizerJson,
  normalizedLopt,
  reparameterisedRule,
  sampleMember,
  thetaFromNormalizedWeights,
  thetaFromWeights,
  untrainedNormalizedTheta,
  WeightsError,
  type TaskFamily,
} from '../src/index.js';
import { episodeLearningRate, loptNormalizedTask, taskFamilySchema } from '../src/node/index.js';

const TINY: TaskFamily = {
  datasets: [{ name: 'mnist' }],
  depths: [1, 2],
  widths: [4, 8],
  activations: ['relu', 'tanh'],
  batchSizes: [4, 8],
  horizon: { min: 3, max: 9 },
  evaluation: [{ dataset: 'mnist', hidden: [4], activation: 'relu', batchSize: 4, horizon: 5 }],
};
const RANGE = { lossScale: { min: 1e-3, max: 1e3 }, paramScale: { min: 0.3, max: 3 } };

/** One update of `rule` at θ from fresh state, as plain arrays. */
function oneUpdate(
  rule: ReturnType<typeof learnedOptimizerRule>,
  params: tf.Tensor[],
  grads: tf.Tensor[],
) {
  const optimizer = rule.optimizer(rule.initialTheta());
  const state = rule.init(params);
  const r = tf.tidy(() => optimizer.update(grads, state, params, 0));
  const out = r.updates.map((u) => Array.from(u.dataSync()));
  tf.dispose([...state, ...r.updates, ...r.state]);
  return out;
}

describe('reparameterised task families', () => {
  it('draws the same member as before, with one loss scale and a scale per tensor in their ranges', () => {
    for (let i = 0; i < 200; i++) {
      const plain = sampleMember(TINY, makeKey(i));
      const { reparameterisation, ...rest } = sampleMember(
        { ...TINY, reparameterisation: RANGE },
        makeKey(i),
      );
      expect(plain.reparameterisation).toBeUndefined();
      expect(rest).toEqual(plain);
      expect(reparameterisation!.paramScales).toHaveLength(2 * (plain.hidden.length + 1));
      for (const s of reparameterisation!.paramScales) {
        expect(s).toBeGreaterThanOrEqual(0.3);
        expect(s).toBeLessThanOrEqual(3);
      }
      expect(reparameterisation!.lossScale).toBeGreaterThanOrEqual(1e-3);
      expect(reparameterisation!.lossScale).toBeLessThanOrEqual(1e3);
    }
    expect(taskFamilySchema.safeParse({ ...TINY, reparameterisation: RANGE }).success).toBe(true);
    const backwards = { ...RANGE, paramScale: { min: 3, max: 0.3 } };
    expect(taskFamilySchema.safeParse({ ...TINY, reparameterisation: backwards }).success).toBe(
      false,
    );
  });

  it('a parameter scale s moves a tensor by s × the learning rate; a loss scale changes nothing', () => {
    const params = [tf.tensor2d(Float32Array.from(normal(makeKey(1), 12)), [3, 4]), tf.zeros([4])];
    const grads = [
      tf.tensor2d(Float32Array.from(normal(makeKey(2), 12)), [3, 4]),
      tf.tensor1d(Float32Array.from(normal(makeKey(3), 4))),
    ];
    const rule = learnedOptimizerRule(
      normalizedLopt({ learningRate: 1e-2 }),
      untrainedNormalizedTheta(),
    );
    const plain = oneUpdate(rule, params, grads);
    const scaled = oneUpdate(
      reparameterisedRule(rule, { lossScale: 1e3, paramScales: [2, 0.5] }),
      params,
      grads,
    );
    plain[0]!.forEach((u, i) => expect(scaled[0]![i]! / u).toBeCloseTo(2, 5));
    plain[1]!.forEach((u, i) => expect(scaled[1]![i]! / u).toBeCloseTo(0.5, 5));
    tf.dispose([...params, ...grads]);
  });

  it('steps each episode at its schedule over its own horizon', () => {
    expect(episodeLearningRate({ innerLr: 1e-3, innerSchedule: 'constant' }, 300)).toBe(1e-3);
    expect(episodeLearningRate({ innerLr: 1e-3, innerSchedule: 'cosine' }, 300)).toEqual({
      kind: 'cosine',
      peak: 1e-3,
      totalSteps: 300,
    });
    expect(episodeLearningRate({ innerLr: 1e-3, innerSchedule: 'warmup-cosine' }, 300)).toEqual({
      kind: 'warmup-cosine',
      peak: 1e-3,
      warmupSteps: 15,
      totalSteps: 300,
    });
  });

  it('meta-trains: a reparameterised family task unrolls, evaluates and leaves no tensor', async () => {
    const task = await loptNormalizedTask(
      { ...TINY, reparameterisation: RANGE },
      {
        innerLr: 1e-2,
        innerSchedule: 'warmup-cosine',
        fractionFeatures: true,
        oneDimensional: 'adam',
      },
    );
    const before = tf.memory().numTensors;
    const particles = 2;
    const thetas = new Float64Array(particles * task.dim);
    for (let p = 0; p < particles; p++) thetas.set(task.initialTheta(), p * task.dim);
    let state = task.init(makeKey(0), particles);
    for (let u = 0; u < 4; u++) {
      const r = task.unroll(state, thetas, 5, makeKey(10 + u));
      expect(Array.from(r.losses).every(Number.isFinite)).toBe(true);
      task.dispose!(state);
      state = r.state;
    }
    expect(state.members.every((m) => m.reparameterisation !== undefined)).toBe(true);
    expect(Number.isFinite(task.evaluate!(task.initialTheta(), makeKey(5)).evalLoss)).toBe(true);
    task.dispose!(state);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the normalised learned optimizer’s weights file', () => {
  it('reads back θ bit for bit, and neither learned optimizer loads the other’s file', () => {
    const theta = untrainedNormalizedTheta();
    const body = JSON.parse(
      normalizedLearnedOptimizerJson(theta, { innerLr: 1e-3, innerSchedule: 'cosine' }),
    );
    expect(thetaFromNormalizedWeights(body)).toEqual(theta);
    expect(() => thetaFromWeights(body)).toThrow(WeightsError);
    expect(() => thetaFromNormalizedWeights({ ...body, theta: body.theta.slice(1) })).toThrow(
      /188 finite numbers/,
    );
  });
});
