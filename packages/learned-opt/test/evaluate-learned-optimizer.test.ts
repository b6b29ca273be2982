import { makeKey } from '@pes/core';
import { loadImageData } from '@pes/inner-problems/node';
import { describe, expect, it } from 'vitest';
import {
  evaluateLearnedOptimizer,
  initialLoptTheta,
  initialMlpLoptTheta,
  untrainedNormalizedTheta,
} from '../src/index.js';

describe('evaluateLearnedOptimizer', () => {
  const setting = {
    data: loadImageData({ dataset: 'mnist' }),
    architecture: [784, 8, 10],
    activation: 'relu' as const,
    batchSize: 8,
    steps: 4,
    evalEvery: 2,
    seeds: [0],
    trainRecords: 300,
    adamLearningRates: [1e-3],
  };

  it('sets the meta-trained θ beside the θ every lopt run starts from', () => {
    const trained = evaluateLearnedOptimizer(initialMlpLoptTheta(makeKey(9)), setting);
    const atStart = evaluateLearnedOptimizer(initialLoptTheta(), setting);
    // The untrained optimizer is the start of meta-training whatever θ is evaluated …
    expect(trained.optimizers.untrained.runs).toEqual(atStart.optimizers.untrained.runs);
    // … so evaluating that start gives it twice, and another θ trains differently.
    expect(atStart.optimizers.learned.runs).toEqual(atStart.optimizers.untrained.runs);
    expect(trained.optimizers.learned.runs[0]!.final).not.toEqual(
      trained.optimizers.untrained.runs[0]!.final,
    );
    expect(trained.adamGrid.map((p) => p.learningRate)).toEqual([1e-3]);
  }, 60_000);

  it('refuses a θ of the wrong length', () => {
    expect(() => evaluateLearnedOptimizer(new Float64Array(3), setting)).toThrow(
      /θ has 1762 numbers, got 3/,
    );
  });

  it('judges the normalised learned optimizer at the schedule it was meta-trained at, beside its own untrained start', () => {
    const normalized = { innerLr: 1e-2, innerSchedule: 'cosine' as const };
    const start = untrainedNormalizedTheta();
    const moved = Float64Array.from(start, (v, i) => v + 0.3 * Math.sin(i));
    const r = evaluateLearnedOptimizer(moved, { ...setting, normalized });
    const atStart = evaluateLearnedOptimizer(start, { ...setting, normalized });
    expect(r.optimizers.untrained.runs).toEqual(atStart.optimizers.learned.runs);
    expect(r.optimizers.learned.runs[0]!.final).not.toEqual(r.optimizers.untrained.runs[0]!.final);
    // The schedule is part of it: a constant rate steps otherwise.
    const constant = evaluateLearnedOptimizer(start, {
      ...setting,
      normalized: { ...normalized, innerSchedule: 'constant' },
    });
    expect(constant.optimizers.learned.runs[0]!.final).not.toEqual(
      atStart.optimizers.learned.runs[0]!.final,
    );
    expect(() => evaluateLearnedOptimizer(initialLoptTheta(), { ...setting, normalized })).toThrow(
      /normalised learned optimizer θ has 188 numbers, got 1762/,
    );
  }, 60_000);
});
