import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { runSettingsSchema } from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeDigits, MNIST_ASSET } from '../src/mnist-digits.js';
import {
  createMnistRun,
  firstPoint,
  MNIST_PAGE_OPTIONS,
  MNIST_PAGE_SETTINGS,
  mnistFinished,
  stepMnistRun,
  type MnistPoint,
} from '../src/mnist-training.js';
import { PAGE_TRAIN, PAGE_VALIDATION, pageDigits } from '../scripts/page-digits.js';

const asset = () => readFileSync(new URL(`../public/${MNIST_ASSET}`, import.meta.url));

describe('the MNIST panel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('serves the embedded digits the script extracts, split as pes meta-train splits them', async () => {
    const served = await decodeDigits(asset());
    const expected = pageDigits();
    expect(served.train.labels.length).toBe(PAGE_TRAIN);
    expect(served.validation.labels.length).toBe(PAGE_VALIDATION);
    expect(served.train.features).toBe(784);
    for (const part of ['train', 'validation'] as const) {
      expect(Buffer.from(served[part].labels).equals(Buffer.from(expected[part].labels))).toBe(
        true,
      );
      expect(Buffer.from(served[part].pixels).equals(Buffer.from(expected[part].pixels))).toBe(
        true,
      );
      expect(served[part].normalization).toEqual(expected[part].normalization);
    }
    // Every digit is there, in the proportions of a shuffled set.
    for (let digit = 0; digit < 10; digit++)
      expect(served.train.labels.filter((l) => l === digit).length).toBeGreaterThan(120);
  });

  it('trains the schedule on the cpu backend: θ moves, accuracy before and after is finite', async () => {
    const data = await decodeDigits(asset());
    const iterations = 3;
    const settings = runSettingsSchema.parse({
      ...MNIST_PAGE_SETTINGS,
      iterations,
      evalEvery: iterations,
    });
    // A shorter horizon than the page's keeps the cpu backend's evaluations quick.
    let run = createMnistRun(data, settings, { ...MNIST_PAGE_OPTIONS, horizon: 100 });
    expect(run.formulation).toBe('per-particle');
    const first = firstPoint(run);
    const points: MnistPoint[] = [first];
    while (!mnistFinished(run)) {
      const next = stepMnistRun(run);
      run = next.run;
      points.push(next.point);
    }
    const last = points.at(-1)!;
    expect(points.map((p) => p.iteration)).toEqual([0, 1, 2, 3]);
    expect(Number.isFinite(first.valAccuracy)).toBe(true);
    expect(Number.isFinite(last.valAccuracy)).toBe(true);
    expect(first.valAccuracy).toBeGreaterThan(0.1); // better than chance after T inner steps
    expect(last.valAccuracy).toBeLessThanOrEqual(1);
    expect(points.slice(1).every((p) => Number.isFinite(p.metaLoss))).toBe(true);
    expect(last.theta).not.toEqual(first.theta);
    // The drawn schedule follows θ: its rate at t = 0 is exp(θ0) (inverse-time decay).
    expect(last.rates[0]![1]).toBeCloseTo(Math.exp(last.theta[0]!), 12);
    expect(last.rates[0]![1]).not.toBe(first.rates[0]![1]);
    run.trainer.dispose(run.state);
  });
});
