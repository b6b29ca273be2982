import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeKey, resolveTaskOptions } from '@pes/core';
import { learningRateAt, learningRateRule, type LearningRateFamily } from '@pes/inner-problems';
import { beforeAll, describe, expect, it } from 'vitest';
import { findSchedule, inverseTimeDecaySchedule, scheduleRegistry } from '../src/index.js';
import { lrScheduleTask, mnistLrScheduleTaskSpec } from '../src/node/index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('schedule registry', () => {
  it('starts the paper schedule at θ = (log 0.003, log 30) and knows every schedule by name', () => {
    expect(findSchedule('inverse-time-decay').initialTheta(0)).toEqual([
      Math.log(0.003),
      Math.log(30),
    ]);
    expect(scheduleRegistry.map((s) => s.name)).toEqual([
      'inverse-time-decay',
      'linear',
      'exponential',
      'piecewise',
    ]);
    expect(() => findSchedule('cosine')).toThrow(
      /unknown schedule 'cosine'; known schedules: inverse-time-decay/,
    );
  });

  it('gives random search one range per θ component', () => {
    expect(findSchedule('piecewise').searchSpace(5)).toHaveLength(5);
    expect(
      mnistLrScheduleTaskSpec.searchSpace!(
        resolveTaskOptions(mnistLrScheduleTaskSpec, { schedule: 'linear' }),
      ),
    ).toHaveLength(2);
  });
});

describe('the learning-rate rule', () => {
  it('hands the optimizer the schedule’s rate at the particle’s own step and θ', () => {
    const seen: number[] = [];
    const recording: LearningRateFamily = {
      name: 'recording',
      withLearningRate: (learningRate) => ({
        name: 'recording',
        init: () => [],
        update: (_g, state, params, step) => {
          seen.push(learningRateAt(learningRate, step));
          return { updates: params.map((p) => tf.zerosLike(p)), state: [...state] };
        },
      }),
    };
    const schedule = inverseTimeDecaySchedule();
    const rule = learningRateRule({
      name: 'r',
      optimizer: recording,
      dim: 2,
      initialTheta: [0, 0],
      rate: schedule.rate,
    });
    const theta = Float64Array.of(Math.log(0.1), Math.log(2));
    tf.tidy(() => {
      rule.optimizer(theta).update([tf.scalar(1)], [], [tf.scalar(1)], 0);
      rule.optimizer(theta).update([tf.scalar(1)], [], [tf.scalar(1)], 5000);
    });
    expect(seen[0]).toBeCloseTo(0.1, 12);
    expect(seen[1]).toBeCloseTo(0.1 / 4, 12);
  });
});

describe('mnist-lr-schedule', () => {
  it('builds the paper task (θ = 2 numbers, T = 5000) and describes a schedule in learning rates', () => {
    const task = lrScheduleTask({ horizon: 5000, arch: '784-8-10' });
    expect(task.dim).toBe(2);
    expect(task.horizon).toBe(5000);
    expect(Array.from(task.initialTheta())).toEqual([Math.log(0.003), Math.log(30)]);
    expect(
      mnistLrScheduleTaskSpec.describeTheta!(
        task.initialTheta(),
        resolveTaskOptions(mnistLrScheduleTaskSpec, { horizon: 5000 }),
      ),
    ).toMatch(/^learning rate 0\.00300 at t = 0, /);
  });

  it('takes θ of any length for piecewise, and refuses a θ that does not fit a schedule', () => {
    expect(
      lrScheduleTask({ schedule: 'piecewise', initialTheta: [-5, -6, -7], arch: '784-8-10' }).dim,
    ).toBe(3);
    expect(() => lrScheduleTask({ schedule: 'linear', initialTheta: [-5, -6, -7] })).toThrow(
      /schedule linear takes θ of length 2, got 3 numbers/,
    );
    expect(() => lrScheduleTask({ schedule: 'piecewise', initialTheta: [-5] })).toThrow(
      /one per knot/,
    );
  });

  it('a higher learning rate than the paper’s poor start trains faster over a short run', () => {
    const task = lrScheduleTask({ horizon: 100, arch: '784-16-10', batchSize: 32 });
    const poor = task.evaluate(task.initialTheta(), makeKey(0));
    const better = task.evaluate(Float64Array.of(Math.log(0.02), Math.log(0.1)), makeKey(0));
    expect(better.evalLoss).toBeLessThan(poor.evalLoss);
    expect(better.valAccuracy).toBeGreaterThan(poor.valAccuracy!);
  });
});
