import { makeKey, resolveTaskOptions } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  quadraticTaskSpec,
  shareImageData,
  type ImageData,
  type ImageDataset,
} from '../src/index.js';
import { innerProblemTasks, mnistMlpTaskSpec } from '../src/node/index.js';

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
    const task = await mnistMlpTaskSpec.create(
      resolveTaskOptions(mnistMlpTaskSpec, { arch: '784-16-10', batchSize: 4, horizon: 5 }),
    );
    expect(task.dim).toBe(1);
    expect(task.horizon).toBe(5);
    const e = task.evaluate(task.initialTheta(), makeKey(0));
    expect(e.valAccuracy).toBeGreaterThanOrEqual(0);
  });

  it('refuses an architecture that does not fit the data, and an unknown objective', async () => {
    await expect(
      mnistMlpTaskSpec.create(resolveTaskOptions(mnistMlpTaskSpec, { arch: '100-10' })),
    ).rejects.toThrow(/starts with 100 inputs but .* has 784 features/);
    // Values outside an option's choices are refused by its schema, before any task is built.
    expect(mnistMlpTaskSpec.options.safeParse({ objective: 'fun' }).success).toBe(false);
  });
});

describe('data shared between the threads of a run', () => {
  /** A tiny dataset of 4 features, 10 classes, recognisably not MNIST. */
  function tinyData(records: number): ImageData {
    const dataset = (name: string): ImageDataset => ({
      name,
      pixels: Uint8Array.from({ length: records * 4 }, (_, i) => (i * 37) % 256),
      labels: Uint8Array.from({ length: records }, (_, i) => i % 10),
      features: 4,
      classNames: Array.from({ length: 10 }, (_, i) => String(i)),
      normalization: { mean: [0.5], std: [0.25] },
      channelSize: 4,
    });
    return { train: dataset('tiny train'), validation: dataset('tiny validation') };
  }

  it('shareImageData puts pixels and labels in SharedArrayBuffers with the same bytes', () => {
    const data = tinyData(20);
    const shared = shareImageData(data);
    expect(shared.train.pixels.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.validation.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared.train.pixels)).toEqual(Array.from(data.train.pixels));
    expect(shareImageData(shared).train.pixels).toBe(shared.train.pixels);
  });

  it('an image task built with shared data uses it instead of loading its own', async () => {
    const task = await mnistMlpTaskSpec.create(
      resolveTaskOptions(mnistMlpTaskSpec, { arch: '4-3-10', batchSize: 2, horizon: 3 }),
      shareImageData(tinyData(20)),
    );
    // 4 inputs: the tiny data's, not MNIST's 784 (which this architecture would not fit).
    const e = task.evaluate(task.initialTheta(), makeKey(0));
    expect(Number.isFinite(e.valAccuracy)).toBe(true);
    task.close?.();
  });
});
