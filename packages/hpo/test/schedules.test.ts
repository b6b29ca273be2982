import { describe, expect, it } from 'vitest';
import {
  exponentialSchedule,
  inverseTimeDecaySchedule,
  linearSchedule,
  piecewiseLogLinearSchedule,
} from '../src/index.js';

const log = Math.log;

describe('learning-rate schedules', () => {
  it('linear interpolates between exp(θ0) and exp(θ1)', () => {
    const s = linearSchedule(100);
    const theta = [log(0.1), log(0.3)];
    expect(s.rate(theta, 0)).toBeCloseTo(0.1, 15);
    expect(s.rate(theta, 50)).toBeCloseTo(0.2, 15);
    expect(s.rate(theta, 100)).toBeCloseTo(0.3, 15);
  });

  it("inverse-time decay matches the paper's formula", () => {
    const s = inverseTimeDecaySchedule();
    const theta = [log(0.003), log(30)];
    expect(s.rate(theta, 0)).toBeCloseTo(0.003, 15);
    expect(s.rate(theta, 5000)).toBeCloseTo(0.003 / 2 ** 30, 20);
    expect(s.rate(theta, 1000)).toBeCloseTo(0.003 / 1.2 ** 30, 18);
  });

  it('exponential is log-linear from exp(θ0) to exp(θ0 + θ1)', () => {
    const s = exponentialSchedule(10);
    expect(s.rate([log(1), log(0.01)], 5)).toBeCloseTo(0.1, 14);
    expect(s.rate([log(2), 0], 7)).toBeCloseTo(2, 15);
  });

  it('piecewise interpolates log rates between evenly spaced knots', () => {
    const s = piecewiseLogLinearSchedule(100);
    const theta = [log(1), log(0.01), log(0.01)];
    expect(s.rate(theta, 0)).toBeCloseTo(1, 15);
    expect(s.rate(theta, 25)).toBeCloseTo(0.1, 14);
    expect(s.rate(theta, 50)).toBeCloseTo(0.01, 15);
    expect(s.rate(theta, 80)).toBeCloseTo(0.01, 15);
    expect(s.rate(theta, 150)).toBeCloseTo(0.01, 15);
    expect(() => s.rate([0], 1)).toThrow(/at least 2 knots/);
  });

  it('every schedule is positive for any θ', () => {
    for (const s of [
      linearSchedule(10),
      inverseTimeDecaySchedule(),
      exponentialSchedule(10),
      piecewiseLogLinearSchedule(10),
    ]) {
      for (const theta of [
        [-10, 3],
        [5, -5],
        [0, 0],
      ]) {
        for (const t of [0, 3, 10]) expect(s.rate(theta, t)).toBeGreaterThan(0);
      }
    }
  });

  it('a θ too short is a clear error', () => {
    expect(() => linearSchedule(10).rate([0], 1)).toThrow(/needs θ\[1\], got 1 numbers/);
  });
});
