import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { afterAll, describe, expect, it } from 'vitest';
import { initialMlpLoptTheta, LearnedTfOptimizer } from '../src/index.js';
import { saveToMemory } from './memory-save.js';

const FEATURES = 6;
const BATCH = 16;
/** Steps before the save, and after it. */
const HALF = 50;

const x = tf.tensor2d(Float32Array.from(normal(makeKey(10), BATCH * FEATURES)), [BATCH, FEATURES]);
const y = tf.tensor2d(Float32Array.from(normal(makeKey(11), BATCH)), [BATCH, 1]);
/**
 * An untrained learned optimizer: its update reads every feature (momenta, step features), so a
 * resume that lost the state or the step count would step differently.
 */
const theta = initialMlpLoptTheta(makeKey(3));

/** The same starting weights every time, whatever tfjs's initialisers draw. */
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

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function optimizerConfig(artifacts: tf.io.ModelArtifacts) {
  return artifacts.trainingConfig!.optimizer_config as {
    class_name: string;
    config: tf.serialization.ConfigDict;
  };
}

describe('a learned optimizer saved and loaded the tfjs way', () => {
  const straight = freshModel();
  straight.compile({ optimizer: new LearnedTfOptimizer(theta), loss: 'meanSquaredError' });
  let straightLosses: number[] = [];
  afterAll(() => tf.dispose([x, y]));

  it('save after 50 steps, load, 50 more: the same losses and weights as 100 straight, bit for bit', async () => {
    straightLosses = await train(straight, 2 * HALF);

    const first = freshModel();
    first.compile({ optimizer: new LearnedTfOptimizer(theta), loss: 'meanSquaredError' });
    const firstLosses = await train(first, HALF);
    const artifacts = await saveToMemory(first);
    expect(optimizerConfig(artifacts).class_name).toBe('PesLearnedOptimizer');
    expect(
      artifacts.weightSpecs!.filter((s) => s.group === 'optimizer').map((s) => s.name),
    ).toEqual([
      'iter',
      'pes_lopt/initial_loss',
      'pes_lopt/blown_up_at',
      ...['kernel', 'bias', 'kernel', 'bias'].map((w) =>
        expect.stringMatching(new RegExp(`^dense_Dense\\d+/${w}/pes_lopt_state_0$`)),
      ),
    ]);
    first.optimizer.dispose();
    first.dispose();

    // Loaded in the same process, the variables are named anew ('…/kernel_1').
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(loaded.optimizer).toBeInstanceOf(LearnedTfOptimizer);
    expect(loaded.optimizer.iterations).toBe(HALF);
    const loadedLosses = await train(loaded, HALF);

    expect([...firstLosses, ...loadedLosses]).toEqual(straightLosses);
    expect(weightsOf(loaded)).toEqual(weightsOf(straight));
    loaded.optimizer.dispose();
    loaded.dispose();
  });

  it('saving leaves no tensor behind, with the fallback state too', async () => {
    /** Tensors left once a model trained 3 steps (falling back at step 2), saved `saves` times, and both disposed. */
    const residue = async (saves: number) => {
      const start = tf.memory().numTensors;
      const model = freshModel();
      // The tiny factor makes step 2 a blow-up: the fallback's Adam state is saved too.
      const optimizer = new LearnedTfOptimizer(theta, {
        fallback: 'adam',
        blowUpFactor: 1e-9,
        onWarning: () => {},
      });
      model.compile({ optimizer, loss: 'meanSquaredError' });
      await train(model, 3);
      expect(optimizer.fellBack).toBe(true);
      for (let i = 0; i < saves; i++) await saveToMemory(model);
      optimizer.dispose();
      model.dispose();
      return tf.memory().numTensors - start;
    };
    const none = await residue(0);
    expect(await residue(1)).toBe(none);
    expect(await residue(3)).toBe(none);
  });

  it('the test has power: a model loaded without the optimizer state continues differently', async () => {
    const first = freshModel();
    first.compile({ optimizer: new LearnedTfOptimizer(theta), loss: 'meanSquaredError' });
    await train(first, HALF);
    const artifacts = await saveToMemory(first);
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({ ...artifacts, trainingConfig: undefined }),
    );
    // θ from the saved config, but fresh state and step count.
    loaded.compile({
      optimizer: LearnedTfOptimizer.fromConfig(
        LearnedTfOptimizer,
        optimizerConfig(artifacts).config,
      ) as LearnedTfOptimizer,
      loss: 'meanSquaredError',
    });
    const loadedLosses = await train(loaded, HALF);
    expect(loadedLosses).not.toEqual(straightLosses.slice(HALF));
    first.optimizer.dispose();
    first.dispose();
    loaded.optimizer.dispose();
    loaded.dispose();
  });

  it('getConfig holds θ exactly, and fromConfig rebuilds it', () => {
    const config = new LearnedTfOptimizer(theta).getConfig();
    const json = JSON.parse(JSON.stringify(config)) as tf.serialization.ConfigDict;
    const rebuilt = LearnedTfOptimizer.fromConfig(LearnedTfOptimizer, json);
    expect(Float64Array.from(rebuilt.getConfig()['theta'] as number[])).toEqual(theta);
    expect(() => LearnedTfOptimizer.fromConfig(LearnedTfOptimizer, { theta: ['a'] })).toThrow(
      /theta must be numbers/,
    );
  });

  it('a restored state that does not fit the model is refused, naming both', async () => {
    const optimizer = new LearnedTfOptimizer(theta);
    await optimizer.setWeights([
      { name: 'iter', tensor: tf.scalar(3, 'int32') },
      { name: 'w/pes_lopt_state_0', tensor: tf.zeros([5, 8]) },
    ]);
    const v = tf.variable(tf.zeros([4]), true, 'pes_restore_mismatch');
    expect(() => optimizer.applyGradients({ [v.name]: tf.ones([4]) })).toThrow(
      /'w' is for 5 parameters; variable 'pes_restore_mismatch' at its position has 4/,
    );
    optimizer.dispose();
    v.dispose();
  });
});
