import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LearnedTfOptimizer,
  normalizedLearnedOptimizer,
  NormalizedLearnedTfOptimizer,
  normalizedLoptLayout,
  type NormalizedTfOptimizerOptions,
} from '../src/index.js';
import { saveToMemory } from './memory-save.js';

const FEATURES = 6;
const BATCH = 16;
/** Steps before the save, and after it. */
const HALF = 20;

const x = tf.tensor2d(Float32Array.from(normal(makeKey(10), BATCH * FEATURES)), [BATCH, FEATURES]);
const y = tf.tensor2d(Float32Array.from(normal(makeKey(11), BATCH)), [BATCH, 1]);
/** Every weight drawn, so the MLP (not only the skip) shapes each step. */
const theta = Float64Array.from(normal(makeKey(6), normalizedLoptLayout().dim), (v) => 0.5 * v);
/**
 * A schedule, a total and Adam for the biases: a resume that lost any of them, the momenta,
 * the factored moments or the step count would step differently.
 */
const settings: NormalizedTfOptimizerOptions = {
  learningRate: { kind: 'warmup-cosine', peak: 0.02, warmupSteps: 5, totalSteps: 2 * HALF },
  totalSteps: 2 * HALF,
  oneDimensional: 'adam',
  // A drawn θ need not train this model; the watch's state is tested with the MLP's.
  blowUpFactor: null,
};

function freshModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'relu', inputShape: [FEATURES] }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.setWeights(
    model.getWeights().map((w, i) => {
      const values = Float32Array.from(normal(makeKey(100 + i), w.size), (v) => 0.5 * v);
      return tf.tensor(values, w.shape);
    }),
  );
  return model;
}

async function train(model: tf.LayersModel, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push((await model.trainOnBatch(x, y)) as number);
  return losses;
}

const weightsOf = (model: tf.LayersModel) =>
  model.getWeights().map((w) => Array.from(w.dataSync()));

describe('the normalised learned optimizer as a tf.Optimizer', () => {
  afterAll(() => tf.dispose([x, y]));

  it('trains a tfjs-layers model: the loss falls, and no tensor leaks over many steps', async () => {
    const model = freshModel();
    // The untrained θ: RMS-normalised Adafactor momentum (a drawn θ need not train at all).
    const optimizer = normalizedLearnedOptimizer({ learningRate: 0.01 });
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const first = await train(model, 1);
    const before = tf.memory().numTensors;
    const losses = await train(model, 60);
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.at(-1)!).toBeLessThan(0.5 * first[0]!);
    optimizer.dispose();
    model.dispose();
  });

  it('save after 20 steps, load, 20 more: the same losses and weights as 40 straight, bit for bit', async () => {
    const straight = freshModel();
    straight.compile({
      optimizer: normalizedLearnedOptimizer({ theta, ...settings }),
      loss: 'meanSquaredError',
    });
    const straightLosses = await train(straight, 2 * HALF);

    const first = freshModel();
    first.compile({
      optimizer: normalizedLearnedOptimizer({ theta, ...settings }),
      loss: 'meanSquaredError',
    });
    const firstLosses = await train(first, HALF);
    const artifacts = await saveToMemory(first);
    const saved = artifacts.trainingConfig!.optimizer_config as {
      class_name: string;
      config: tf.serialization.ConfigDict;
    };
    expect(saved.class_name).toBe('PesNormalizedLearnedOptimizer');
    first.optimizer.dispose();
    first.dispose();

    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(loaded.optimizer).toBeInstanceOf(NormalizedLearnedTfOptimizer);
    const config = loaded.optimizer.getConfig();
    expect(config['learningRate']).toEqual(settings.learningRate);
    expect(config['totalSteps']).toBe(2 * HALF);
    expect(config['oneDimensional']).toBe('adam');
    expect(config['theta']).toEqual(Array.from(theta));
    const loadedLosses = await train(loaded, HALF);

    expect([...firstLosses, ...loadedLosses]).toEqual(straightLosses);
    expect(weightsOf(loaded)).toEqual(weightsOf(straight));
    // The test has power: the same θ without the schedule's warm-up steps otherwise.
    expect(loadedLosses).not.toEqual(
      await (async () => {
        const other = freshModel();
        other.compile({
          optimizer: normalizedLearnedOptimizer({ theta, learningRate: 0.02, blowUpFactor: null }),
          loss: 'meanSquaredError',
        });
        await train(other, HALF);
        const losses = await train(other, HALF);
        other.optimizer.dispose();
        other.dispose();
        return losses;
      })(),
    );
    for (const model of [loaded, straight]) {
      model.optimizer.dispose();
      model.dispose();
    }
  });

  it('leaves the MLP learned optimizer its own class name: each loads as what it is', () => {
    expect(NormalizedLearnedTfOptimizer.className).toBe('PesNormalizedLearnedOptimizer');
    expect(LearnedTfOptimizer.className).toBe('PesLearnedOptimizer');
    const rebuilt = NormalizedLearnedTfOptimizer.fromConfig(
      NormalizedLearnedTfOptimizer,
      normalizedLearnedOptimizer({ theta, ...settings }).getConfig(),
    );
    expect(rebuilt).toBeInstanceOf(NormalizedLearnedTfOptimizer);
    expect(() =>
      NormalizedLearnedTfOptimizer.fromConfig(NormalizedLearnedTfOptimizer, {
        theta: Array.from(theta),
        learningRate: -1,
      }),
    ).toThrow(/learning rate/);
  });
});
