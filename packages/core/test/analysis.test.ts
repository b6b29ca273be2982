import { describe, expect, it } from 'vitest';
import { meanAndStd, thetaGridCells, thetaSurface } from '../src/index.js';

describe('meanAndStd', () => {
  it('gives the mean and the sample standard deviation (divisor n − 1)', () => {
    const { mean, std } = meanAndStd([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    // Σ(x − 2.5)² = 5; over n − 1 = 3, not n = 4 (which would give √1.25).
    expect(std).toBeCloseTo(Math.sqrt(5 / 3), 15);
  });

  it('leaves out non-finite values, and says null where nothing is left', () => {
    expect(meanAndStd([1, Number.NaN, 3, Number.POSITIVE_INFINITY])).toEqual({
      mean: 2,
      std: Math.SQRT2,
    });
    expect(meanAndStd([Number.NaN])).toEqual({ mean: null, std: null });
    expect(meanAndStd([])).toEqual({ mean: null, std: null });
  });

  it('gives std 0 for a single value', () => {
    expect(meanAndStd([7])).toEqual({ mean: 7, std: 0 });
  });
});

describe('θ grid', () => {
  it('puts each cell at its centre, θ0 in the outer order and θ1 in the inner', () => {
    expect(
      thetaGridCells(
        [
          [0, 4],
          [10, 20],
        ],
        2,
      ),
    ).toEqual([
      { theta0: 1, theta1: 12.5 },
      { theta0: 1, theta1: 17.5 },
      { theta0: 3, theta1: 12.5 },
      { theta0: 3, theta1: 17.5 },
    ]);
  });

  it('computes a centre as low + (i + ½)·width, the same numbers to the last bit', () => {
    // The two ways of writing a centre differ in rounding on this range; the grid is one of them.
    const [low, high, resolution] = [-6, 4, 100];
    const width = (high - low) / resolution;
    const cells = thetaGridCells(
      [
        [low, high],
        [low, high],
      ],
      resolution,
    );
    for (let i = 0; i < resolution; i++)
      expect(cells[i * resolution]!.theta0).toBe(low + (i + 0.5) * width);
    expect(cells.some((c, k) => c.theta1 !== low + ((k % resolution) + 0.5) * width)).toBe(false);
  });

  it('evaluates a surface at every centre and keeps the figures beside θ', () => {
    const seen: number[][] = [];
    const surface = thetaSurface(
      [
        [-1, 1],
        [0, 3],
      ],
      3,
      (theta) => {
        seen.push(Array.from(theta));
        return { loss: theta[0]! ** 2 + theta[1]!, twice: 2 * theta[1]! };
      },
    );
    expect(surface).toHaveLength(9);
    expect(seen).toEqual(surface.map((c) => [c.theta0, c.theta1]));
    for (const c of surface) {
      expect(c.loss).toBe(c.theta0 ** 2 + c.theta1);
      expect(c.twice).toBe(2 * c.theta1);
    }
    expect(surface[0]).toMatchObject({ theta0: -1 + 1 / 3, theta1: 0.5 });
  });

  it('refuses a resolution that is not a positive integer', () => {
    expect(() =>
      thetaGridCells(
        [
          [0, 1],
          [0, 1],
        ],
        0,
      ),
    ).toThrow(/positive integer, got 0/);
  });
});
