import { makeKey } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { innerProblemTasks, quadraticTaskSpec } from '../src/index.js';

describe('inner-problem task specs', () => {
  it.each(innerProblemTasks.map((s) => [s.name, s] as const))(
    '%s builds a task matching its defaults',
    (_n, spec) => {
      const task = spec.create({ horizon: spec.defaults.horizon });
      expect(task.name).toBe(spec.name);
      expect(task.initialTheta().length).toBe(task.dim);
      expect(Number.isFinite(task.evaluate(task.initialTheta(), makeKey(0)).evalLoss)).toBe(true);
      if (spec.defaults.horizon !== undefined) expect(task.horizon).toBe(spec.defaults.horizon);
    },
  );

  it('quadratic takes its horizon from the options', () => {
    expect(quadraticTaskSpec.create({ horizon: 7 }).horizon).toBe(7);
  });
});
