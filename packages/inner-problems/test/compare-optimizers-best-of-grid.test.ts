import { meanAndStd } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { bestByFinalTrainingLoss, bestByFinalValidationLoss } from '../src/index.js';

/** A grid point with the given mean final losses (null: no seed gave one) and diverged seeds. */
const point = (learningRate: number, train: number | null, val: number | null, diverged = 0) => ({
  learningRate,
  finalTrainLoss: train === null ? meanAndStd([]) : meanAndStd([train]),
  finalValLoss: val === null ? meanAndStd([]) : meanAndStd([val]),
  diverged,
});

describe('the best of an Adam grid, by each criterion', () => {
  // Training and validation loss disagree: 1e-2 trains lowest, 1e-3 validates lowest.
  const grid = [point(1e-4, 0.9, 0.8), point(1e-3, 0.3, 0.2), point(1e-2, 0.1, 0.5)];

  it('bestByFinalTrainingLoss picks the lowest mean final training loss', () => {
    expect(bestByFinalTrainingLoss(grid)).toBe(grid[2]);
  });

  it('bestByFinalValidationLoss picks the lowest mean final validation loss', () => {
    expect(bestByFinalValidationLoss(grid)).toBe(grid[1]);
  });

  it('leaves out a rate with any diverged seed, and one with no figure', () => {
    const withDiverged = [point(1e-3, 0.3, 0.4), point(1e-1, 0.01, 0.01, 1), point(1, null, null)];
    expect(bestByFinalTrainingLoss(withDiverged)).toBe(withDiverged[0]);
    expect(bestByFinalValidationLoss(withDiverged)).toBe(withDiverged[0]);
  });

  it('keeps the first of equals', () => {
    const equal = [point(1e-3, 0.5, 0.5), point(1e-2, 0.5, 0.5)];
    expect(bestByFinalTrainingLoss(equal)).toBe(equal[0]);
    expect(bestByFinalValidationLoss(equal)).toBe(equal[0]);
  });

  it('gives none where every rate diverged, or for no grid', () => {
    expect(bestByFinalTrainingLoss([point(1, 0.1, 0.1, 2)])).toBeUndefined();
    expect(bestByFinalValidationLoss([point(1, 0.1, 0.1, 2)])).toBeUndefined();
    expect(bestByFinalTrainingLoss([])).toBeUndefined();
  });
});
