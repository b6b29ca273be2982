import { describe, expect, it } from 'vitest';
import {
  adam,
  createMetaTrainer,
  defaultLinearQuadraticConfig,
  estimatorRegistry,
  estimatorUnsupportedReason,
  findEstimator,
  linearQuadraticTask,
  makeKey,
  type Task,
} from '../src/index.js';

const task = linearQuadraticTask(defaultLinearQuadraticConfig(20));
const settings = { particles: 8, sigma: 0.1, unrollLength: 5 };
// Every estimator, biased or not, should at least roughly halve the loss of this easy
// problem from θ = 0 in this many iterations.
const ITERATIONS = 150;
const REQUIRED_IMPROVEMENT = 0.5;

describe.each(estimatorRegistry.map((e) => [e.name, e] as const))(
  'estimator %s',
  (_name, entry) => {
    it('gives a finite gradient of the right shape and a finite meta-loss', () => {
      const estimator = entry.create(task as Task, settings);
      const theta = task.initialTheta();
      const state = estimator.init(theta, makeKey(0));
      const result = estimator.estimate(theta, state, makeKey(1));
      expect(result.grad).toBeInstanceOf(Float64Array);
      expect(result.grad.length).toBe(task.dim);
      expect(result.grad.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(result.metaLoss)).toBe(true);
      expect(result.metrics.innerSteps).toBeGreaterThan(0);
    });

    it('descends on the quadratic under Adam', () => {
      const trainer = createMetaTrainer({
        task: task as Task,
        estimator: entry.create(task as Task, settings),
        optimizer: adam(0.05),
        settings: { iterations: ITERATIONS, evalEvery: 0, seed: 0 },
      });
      let state = trainer.init();
      while (!trainer.isFinished(state)) state = trainer.step(state).state;
      const first = state.history[0]!.evaluation.evalLoss;
      const last = state.history.at(-1)!.evaluation.evalLoss;
      expect(last).toBeLessThan(REQUIRED_IMPROVEMENT * first);
    });

    it('snapshot → restore round-trips its state', () => {
      const estimator = entry.create(task as Task, settings);
      const theta = task.initialTheta();
      const state = estimator.estimate(theta, estimator.init(theta, makeKey(0)), makeKey(1)).state;
      const again = estimator.restore(estimator.snapshot(state));
      const a = estimator.estimate(theta, state, makeKey(2)).grad;
      const b = estimator.estimate(theta, again, makeKey(2)).grad;
      expect(Array.from(b)).toEqual(Array.from(a));
    });

    it('rejects settings it cannot use, naming the setting', () => {
      expect(() => entry.create(task as Task, { ...settings, particles: 0 })).toThrow(
        /particles must be a positive integer/,
      );
      if (entry.usesNoise) {
        expect(() => entry.create(task as Task, { ...settings, sigma: -1 })).toThrow(
          /sigma must be a positive/,
        );
        expect(() => entry.create(task as Task, { ...settings, particles: 7 })).toThrow(
          /even number of particles/,
        );
      }
    });
  },
);

describe('estimator registry', () => {
  it('names every estimator once and finds them by name', () => {
    const names = estimatorRegistry.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['pes', 'tes', 'es', 'nres', 'tbptt', 'bptt']));
    expect(findEstimator('pes')?.name).toBe('pes');
    expect(findEstimator('nope')).toBeUndefined();
  });

  it('says why an estimator cannot run on a task', () => {
    const plain: Task = {
      ...(task as Task),
      differentiable: undefined,
      horizon: Infinity,
      name: 'endless',
    };
    expect(estimatorUnsupportedReason(findEstimator('tbptt')!, plain)).toMatch(
      /needs a differentiable task/,
    );
    expect(estimatorUnsupportedReason(findEstimator('es')!, plain)).toMatch(
      /needs finite episodes/,
    );
    expect(estimatorUnsupportedReason(findEstimator('pes')!, plain)).toBeUndefined();
  });
});
