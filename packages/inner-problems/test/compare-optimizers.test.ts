import * as tf from '@tensorflow/tfjs';
import { foldIn, meanAndStd } from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compareOptimizers,
  EVALUATION_KEY,
  sgdTensor,
  trainNetwork,
  type OptimizerComparison,
} from '../src/index.js';
import { loadImageData } from '../src/node/index.js';

describe('compareOptimizers', () => {
  const data = loadImageData({ dataset: 'mnist' });
  const setting = {
    data,
    architecture: [784, 8, 10],
    activation: 'relu' as const,
    batchSize: 8,
    steps: 6,
    evalEvery: 3,
    seeds: [4, 5],
    trainRecords: 500,
  };
  // 1e30: the first Adam steps put parameters near 1e30, the logits overflow float32, the
  // loss is NaN — a rate that surely diverges, to show it is counted and never picked.
  const ADAM_GRID = [1e-3, 3e-2, 1e30];

  let comparison: OptimizerComparison<'fast' | 'slow'>;
  let leaked: number;
  beforeAll(() => {
    const before = tf.memory().numTensors;
    comparison = compareOptimizers({
      ...setting,
      optimizers: {
        fast: sgdTensor().withLearningRate(0.1),
        slow: sgdTensor().withLearningRate(1e-4),
      },
      adamLearningRates: ADAM_GRID,
    });
    leaked = tf.memory().numTensors - before;
  }, 60_000);

  it('trains every optimizer on the same fresh network per seed, from the evaluation key stream, and leaks no tensor', () => {
    expect(leaked).toBe(0);
    const all = [comparison.optimizers.fast, comparison.optimizers.slow, ...comparison.adamGrid];
    setting.seeds.forEach((seed, s) => {
      const starts = all.map((e) => e.runs[s]!.curve[0]);
      for (const start of starts) expect(start).toEqual(starts[0]);
      expect(all.every((e) => e.runs[s]!.seed === seed)).toBe(true);
    });
    // Seed s is the network trainNetwork draws from foldIn(EVALUATION_KEY, s), whatever trains it.
    const direct = trainNetwork({
      ...setting,
      optimizer: sgdTensor().withLearningRate(0.1),
      key: foldIn(EVALUATION_KEY, 5),
    });
    expect(comparison.optimizers.fast.runs[1]).toEqual({ seed: 5, ...direct });
  });

  it('keeps the optimizers under their names, the grid in its order', () => {
    expect(Object.keys(comparison.optimizers)).toEqual(['fast', 'slow']);
    expect(comparison.adamGrid.map((p) => p.learningRate)).toEqual(ADAM_GRID);
    // After six steps SGD at 0.1 is well below SGD at 1e-4.
    expect(comparison.optimizers.fast.finalTrainLoss.mean!).toBeLessThan(
      comparison.optimizers.slow.finalTrainLoss.mean!,
    );
  });

  it('summarises each optimizer by mean and std over the seeds that did not diverge, counting the others', () => {
    for (const e of [comparison.optimizers.fast, ...comparison.adamGrid]) {
      const finals = e.runs.filter((r) => r.divergedAt === undefined).map((r) => r.final);
      expect(e.diverged).toBe(e.runs.length - finals.length);
      expect(e.finalValLoss).toEqual(meanAndStd(finals.map((f) => f.valLoss)));
      expect(e.finalTrainLoss).toEqual(meanAndStd(finals.map((f) => f.trainLoss)));
      expect(e.finalValAccuracy).toEqual(meanAndStd(finals.map((f) => f.valAccuracy)));
    }
    const diverging = comparison.adamGrid[2]!;
    expect(diverging.diverged).toBe(2);
    expect(diverging.finalValLoss).toEqual({ mean: null, std: null });
  });

  it('picks the Adam rate of lowest mean final validation loss among those that never diverged', () => {
    const candidates = comparison.adamGrid.filter((p) => p.diverged === 0);
    expect(candidates).toHaveLength(2);
    const lowest = Math.min(...candidates.map((p) => p.finalValLoss.mean!));
    expect(comparison.bestAdam).toBeDefined();
    expect(comparison.adamGrid).toContain(comparison.bestAdam);
    expect(comparison.bestAdam!.finalValLoss.mean).toBe(lowest);
  });

  it('says how many records the figures cover', () => {
    expect(comparison.trainRecords).toBe(500);
    expect(comparison.validationRecords).toBe(data.validation.labels.length);
  });
});
