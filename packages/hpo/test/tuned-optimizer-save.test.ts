import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeKey, normal } from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSearchSpace, TunedOptimizer, type SearchSpace } from '../src/index.js';

// A tuned optimizer saved with its model (includeOptimizer) and loaded by tfjs resumes training
// exactly: the same losses and weights as training straight through, bit for bit.

const FEATURES = 5;
const BATCH = 16;
const HALF = 15;
let x: tf.Tensor;
let y: tf.Tensor;

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  x = tf.tensor2d(Float32Array.from(normal(makeKey(1), BATCH * FEATURES)), [BATCH, FEATURES]);
  y = tf.tensor2d(Float32Array.from(normal(makeKey(2), BATCH)), [BATCH, 1]);
});

function freshModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, activation: 'tanh', inputShape: [FEATURES] }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.setWeights(
    model.getWeights().map((w, i) => {
      const values = Float32Array.from(normal(makeKey(100 + i), w.size), (v) => 0.4 * v);
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

/** Saves in memory, the JSON part through text as a file would carry it. */
async function saveToMemory(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: true },
  );
  const { weightData, ...json } = saved!;
  return { ...(JSON.parse(JSON.stringify(json)) as tf.io.ModelArtifacts), weightData };
}

const SPACES: [string, SearchSpace, 'momentum' | 'adam'][] = [
  ['a scheduled learning rate with momentum', { learningRate: { schedule: 'piecewise-log-linear', initial: 0.05 }, momentum: { range: [0, 0.99], initial: 0.8 } }, 'momentum'],
  ['Adam with per-layer factors and weight decay', { learningRate: { range: [1e-4, 1], log: true, initial: 0.01 }, layerLearningRate: { range: [0.1, 10], log: true }, weightDecay: { range: [1e-6, 1e-2], log: true } }, 'adam'],
]; // prettier-ignore

describe('a tuned optimizer saved and loaded the tfjs way', () => {
  it.each(SPACES)(
    '%s: save after 15 steps, load, 15 more: the losses and weights of 30 straight',
    async (_, given, optimizer) => {
      const space = resolveSearchSpace(given, 2 * HALF, optimizer, ['dense_a', 'dense_b']);
      // A θ away from the initial one, so every number of it shows in the steps.
      const theta = Float64Array.from(space.initialTheta(), (v, i) => v + 0.1 * Math.sin(i + 1));
      const straight = freshModel();
      const straightOptimizer = new TunedOptimizer(space, theta, straight);
      straight.compile({ optimizer: straightOptimizer, loss: 'meanSquaredError' });
      const expected = await train(straight, 2 * HALF);

      const first = freshModel();
      const firstOptimizer = new TunedOptimizer(space, theta, first);
      first.compile({ optimizer: firstOptimizer, loss: 'meanSquaredError' });
      const losses = await train(first, HALF);
      const artifacts = await saveToMemory(first);
      const config = artifacts.trainingConfig!.optimizer_config as { class_name: string };
      expect(config.class_name).toBe('PesTunedOptimizer');
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      expect(loaded.optimizer).toBeInstanceOf(TunedOptimizer);
      expect(loaded.optimizer.iterations).toBe(HALF);
      losses.push(...(await train(loaded, HALF)));
      expect(losses).toEqual(expected);
      const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
      expect(weights(loaded)).toEqual(weights(straight));

      // The test has power: the loaded model with a fresh optimizer (no buffers, step 0) goes
      // another way.
      const again = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      again.optimizer.dispose();
      again.compile({
        optimizer: new TunedOptimizer(space, theta, again),
        loss: 'meanSquaredError',
      });
      expect(await train(again, HALF)).not.toEqual(expected.slice(HALF));

      for (const m of [straight, first, loaded, again]) {
        m.optimizer.dispose();
        m.dispose();
      }
    },
  );

  it('saving leaves no tensor behind', async () => {
    const space = resolveSearchSpace(SPACES[1]![1], 2 * HALF, 'adam', ['dense_a', 'dense_b']);
    /** Tensors left once a model trained 3 steps, was saved `saves` times, and both disposed. */
    const residue = async (saves: number) => {
      const start = tf.memory().numTensors;
      const model = freshModel();
      const optimizer = new TunedOptimizer(space, space.initialTheta(), model);
      model.compile({ optimizer, loss: 'meanSquaredError' });
      await train(model, 3);
      for (let i = 0; i < saves; i++) await saveToMemory(model);
      optimizer.dispose();
      model.dispose();
      return tf.memory().numTensors - start;
    };
    const none = await residue(0);
    expect(await residue(1)).toBe(none);
    expect(await residue(3)).toBe(none);
  });

  it('refuses a saved config whose θ does not fit its search space', () => {
    const space = resolveSearchSpace({ momentum: { range: [0, 0.9] } }, 10);
    const config = new TunedOptimizer(space, space.initialTheta()).getConfig();
    expect(() =>
      TunedOptimizer.fromConfig(TunedOptimizer, { ...config, theta: [1, 2, 3] }),
    ).toThrow(/θ has 3 numbers, the search space 1/);
  });
});
