import { makeKey } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { quadraticTaskSpec } from '../src/index.js';
import { innerProblemTasks, mnistMlpTaskSpec } from '../src/node.js';

describe('inner-problem task specs', () => {
  const synthetic = innerProblemTasks.filter((s) => !s.usesTensors);
  it.each(synthetic.map((s) => [s.name, s] as const))(
    '%s builds a task matching its defaults',
    async (_n, spec) => {
      const task = await spec.create({ horizon: spec.defaults.horizon });
      expect(task.name).toBe(spec.name);
      expect(task.initialTheta().length).toBe(task.dim);
      expect(Number.isFinite(task.evaluate(task.initialTheta(), makeKey(0)).evalLoss)).toBe(true);
      if (spec.defaults.horizon !== undefined) expect(task.horizon).toBe(spec.defaults.horizon);
      task.close?.();
    },
  );

  it('quadratic takes its horizon from the options', async () => {
    expect((await quadraticTaskSpec.create({ horizon: 7 })).horizon).toBe(7);
  });
});

describe('image task specs', () => {
  it('mnist-mlp builds from the embedded digits with the given options', async () => {
    const task = await mnistMlpTaskSpec.create({ arch: '784-16-10', batchSize: 4, horizon: 5 });
    expect(task.dim).toBe(1);
    expect(task.horizon).toBe(5);
    const e = task.evaluate(task.initialTheta(), makeKey(0));
    expect(e.valAccuracy).toBeGreaterThanOrEqual(0);
  });

  it('refuses an architecture that does not fit the data, and an unknown objective', async () => {
    await expect(mnistMlpTaskSpec.create({ arch: '100-10' })).rejects.toThrow(
      /starts with 100 inputs but .* has 784 features/,
    );
    // Values outside an option's choices are refused by its schema, before any task is built.
    expect(mnistMlpTaskSpec.options.safeParse({ objective: 'fun' }).success).toBe(false);
  });
});
