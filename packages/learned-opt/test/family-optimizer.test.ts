import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FAMILY_WIDTH_SCALE,
  familyLearnedOptimizer,
  LearnedTfOptimizer,
  mlpFamilyLearnedOptimizer,
  NORMALIZED_WEIGHTS,
  NormalizedLearnedTfOptimizer,
  normalizedTheta,
} from '../src/index.js';
import { saveToMemory } from './memory-save.js';

// The one import (issue 25): familyLearnedOptimizer() is the shipped normalised learned
// optimizer, at a learning rate that needs no tuning; the MLP learned optimizer stays under its
// own name.

const x = tf.tensor2d(Float32Array.from(normal(makeKey(20), 32 * 6)), [32, 6]);
const y = tf.tensor2d(Float32Array.from(normal(makeKey(21), 32)), [32, 1]);

function freshModel(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, activation: 'relu', inputShape: [6] }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.setWeights(
    model.getWeights().map((w, i) => {
      const values = Float32Array.from(normal(makeKey(200 + i), w.size), (v) => 0.5 * v);
      return tf.tensor(values, w.shape);
    }),
  );
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

const configOf = (o: tf.Optimizer) => o.getConfig() as Record<string, unknown>;

describe('familyLearnedOptimizer()', () => {
  afterAll(() => tf.dispose([x, y]));

  it('is the shipped normalised learned optimizer, θ bit for bit', () => {
    // tf.Optimizer answers instanceof by duck typing: the class names tell them apart.
    const optimizer = familyLearnedOptimizer();
    expect(optimizer.getClassName()).toBe(NormalizedLearnedTfOptimizer.className);
    expect(Array.from(normalizedTheta())).toEqual(NORMALIZED_WEIGHTS.theta);
    expect(configOf(optimizer)['theta']).toEqual(NORMALIZED_WEIGHTS.theta);
    expect(mlpFamilyLearnedOptimizer().getClassName()).toBe(LearnedTfOptimizer.className);
  });

  it('steps at the rate it was meta-trained at: constant without the run’s length, the cosine over it with', () => {
    const { innerLr, innerSchedule } = NORMALIZED_WEIGHTS.metaTrainedAt;
    expect(configOf(familyLearnedOptimizer())['learningRate']).toBe(innerLr);
    expect(innerSchedule).toBe('cosine');
    expect(configOf(familyLearnedOptimizer({ trainingSteps: 5000 }))['learningRate']).toEqual({
      kind: 'cosine',
      peak: innerLr,
      totalSteps: 5000,
    });
    // The schedule hook: a number or a schedule of the user's own wins, and no fraction
    // features are turned on (the shipped θ was meta-trained without them).
    const own = { kind: 'warmup-cosine', peak: 3e-3, warmupSteps: 10, totalSteps: 100 } as const;
    const config = configOf(familyLearnedOptimizer({ learningRate: own, trainingSteps: 5000 }));
    expect(config['learningRate']).toEqual(own);
    expect(config['totalSteps']).toBeNull();
    expect(configOf(familyLearnedOptimizer({ learningRate: 0.01 }))['learningRate']).toBe(0.01);
    expect(() => familyLearnedOptimizer({ trainingSteps: 0 })).toThrow(
      'trainingSteps must be a positive integer, got 0',
    );
  });

  it('steps wide layers shorter by default (FAMILY_WIDTH_SCALE), and not at all with widthScale: null', () => {
    expect(FAMILY_WIDTH_SCALE).toEqual({ baseFanIn: 64, power: 0.5 });
    expect(configOf(familyLearnedOptimizer())['widthScale']).toEqual(FAMILY_WIDTH_SCALE);
    expect(configOf(familyLearnedOptimizer({ widthScale: null }))['widthScale']).toBeNull();
    const own = { baseFanIn: 128, power: 1 };
    expect(configOf(familyLearnedOptimizer({ widthScale: own }))['widthScale']).toEqual(own);
  });

  it('trains a tfjs-layers model, leaves no tensor behind, and saves and loads with it', async () => {
    // A larger peak than the default's 1e-3: this model's weights are of order 0.5.
    const schedule = { kind: 'cosine', peak: 0.03, totalSteps: 60 } as const;
    const model = freshModel(familyLearnedOptimizer({ learningRate: schedule }));
    const first = (await model.trainOnBatch(x, y)) as number;
    const before = tf.memory().numTensors;
    let last = first;
    for (let s = 1; s < 30; s++) last = (await model.trainOnBatch(x, y)) as number;
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(0.5 * first);
    // Saved with its optimizer, loaded, 30 more: the same as 30 more without the round trip.
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
    expect(loaded.optimizer.getClassName()).toBe(NormalizedLearnedTfOptimizer.className);
    const straight: number[] = [];
    const resumed: number[] = [];
    for (let s = 0; s < 30; s++) {
      straight.push((await model.trainOnBatch(x, y)) as number);
      resumed.push((await loaded.trainOnBatch(x, y)) as number);
    }
    expect(resumed).toEqual(straight);
    model.optimizer.dispose();
    loaded.optimizer.dispose();
    model.dispose();
    loaded.dispose();
  });
});
