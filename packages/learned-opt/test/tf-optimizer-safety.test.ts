import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { afterAll, describe, expect, it } from 'vitest';
import { LearnedTfOptimizer, type LearnedTfOptimizerOptions } from '../src/index.js';
import { normalisedGradientTheta } from './known-theta.js';
import { saveToMemory } from './memory-save.js';

const FEATURES = 6;
const BATCH = 32;
const STEPS = 80;
/**
 * Gradient ascent, 0.1 per normalised-gradient step: a learned optimizer that wrecks the model
 * (its loss passes 10× the first at step 21 of 80).
 */
const ASCENT = normalisedGradientTheta(-100);
/** A fallback rate at which Adam repairs this small regression in the remaining steps (to ~1% of the blow-up loss). */
const FALLBACK_RATE = 0.3;

const x = tf.tensor2d(Float32Array.from(normal(makeKey(20), BATCH * FEATURES)), [BATCH, FEATURES]);
const w = tf.tensor2d(Float32Array.from(normal(makeKey(21), FEATURES)), [FEATURES, 1]);
const y = tf.matMul(x, w);
const START = Float32Array.from(normal(makeKey(22), FEATURES), (v) => 0.1 * v);

function freshModel(weights: tf.Tensor[] = [tf.tensor2d(START, [FEATURES, 1]), tf.zeros([1])]) {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [FEATURES] })],
  });
  model.setWeights(weights);
  return model;
}

/** Full-batch steps: each loss is the one the watch reads before that step's update. */
async function train(model: tf.LayersModel, steps: number, each?: (step: number) => void) {
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    each?.(s);
    losses.push((await model.trainOnBatch(x, y)) as number);
  }
  return losses;
}

function withAscent(options: LearnedTfOptimizerOptions) {
  const warnings: string[] = [];
  const optimizer = new LearnedTfOptimizer(ASCENT, {
    ...options,
    onWarning: (m) => warnings.push(m),
  });
  const model = freshModel();
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return { model, optimizer, warnings };
}

/** The first step whose loss is over 10× the first (the documented rule), or −1. */
function firstBlowUp(losses: number[]): number {
  return losses.findIndex((l) => l > 10 * losses[0]!);
}

describe('a learned optimizer on a model it wrecks', () => {
  afterAll(() => tf.dispose([x, w, y]));

  it('warns once, at the first step whose loss is over 10× the first, and goes on', async () => {
    const { model, optimizer, warnings } = withAscent({});
    const losses = await train(model, STEPS);
    const blowUp = firstBlowUp(losses);
    expect(blowUp).toBeGreaterThan(0);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^learned optimizer: training loss \\S+ at step ${blowUp} is over 10× its first value .*fallback: 'adam'`,
        ),
      ),
    ]);
    expect(optimizer.fellBack).toBe(false);
    expect(losses.at(-1)!).toBeGreaterThan(losses[blowUp]!);
    optimizer.dispose();
    model.dispose();
  });

  it("with fallback: 'adam', Adam takes over at the blow-up: its steps exactly, and the loss falls", async () => {
    const { model, optimizer, warnings } = withAscent({
      fallback: 'adam',
      fallbackLearningRate: FALLBACK_RATE,
    });
    let before: tf.Tensor[] = [];
    let switchedAt = -1;
    let weightsAtSwitch: tf.Tensor[] = [];
    const losses = await train(model, STEPS, (s) => {
      if (switchedAt >= 0) return;
      if (optimizer.fellBack) {
        // The switch came in step s − 1, whose update Adam made.
        switchedAt = s - 1;
        weightsAtSwitch = before;
        return;
      }
      tf.dispose(before);
      before = model.getWeights().map((t) => t.clone());
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('switching to Adam (learning rate 0.3) for the rest of training');
    expect(switchedAt).toBe(firstBlowUp(losses));
    expect(losses.at(-1)!).toBeLessThan(0.1 * losses[switchedAt]!);

    // Adam alone, from the weights the blow-up step started from, steps identically.
    const adam = freshModel(weightsAtSwitch);
    adam.compile({ optimizer: tf.train.adam(FALLBACK_RATE), loss: 'meanSquaredError' });
    expect(await train(adam, STEPS - switchedAt)).toEqual(losses.slice(switchedAt));
    adam.optimizer.dispose();
    adam.dispose();
    optimizer.dispose();
    model.dispose();
  });

  it('saved after the fall-back and loaded, it goes on with Adam exactly as without the save', async () => {
    const straight = withAscent({ fallback: 'adam', fallbackLearningRate: FALLBACK_RATE });
    const straightLosses = await train(straight.model, STEPS);
    const first = withAscent({ fallback: 'adam', fallbackLearningRate: FALLBACK_RATE });
    const half = STEPS / 2;
    const firstLosses = await train(first.model, half);
    expect(first.optimizer.fellBack).toBe(true);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(first.model)));
    const restored = loaded.optimizer as LearnedTfOptimizer;
    expect(restored.fellBack).toBe(true);
    const warnings: string[] = [];
    restored.reportLoss(1e30); // already blown up: says nothing more
    expect(warnings).toEqual([]);
    expect([...firstLosses, ...(await train(loaded, STEPS - half))]).toEqual(straightLosses);
    for (const m of [straight, first]) {
      m.optimizer.dispose();
      m.model.dispose();
    }
    restored.dispose();
    loaded.dispose();
  });

  it('blowUpFactor: null watches nothing', async () => {
    const { model, optimizer, warnings } = withAscent({ blowUpFactor: null, fallback: 'adam' });
    const losses = await train(model, STEPS);
    expect(firstBlowUp(losses)).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
    expect(optimizer.fellBack).toBe(false);
    optimizer.dispose();
    model.dispose();
  });

  it('a custom loop reports its loss; a NaN is a blow-up', () => {
    const warnings: string[] = [];
    const optimizer = new LearnedTfOptimizer(ASCENT, {
      fallback: 'adam',
      onWarning: (m) => warnings.push(m),
    });
    optimizer.reportLoss(1);
    optimizer.reportLoss(NaN);
    optimizer.reportLoss(NaN);
    expect(warnings).toEqual([
      expect.stringMatching(/training loss is NaN at step 0; switching to Adam/),
    ]);
    expect(optimizer.fellBack).toBe(true);
    optimizer.dispose();
  });

  it('the settings travel in the config; onWarning does not', () => {
    const config = new LearnedTfOptimizer(ASCENT, {
      blowUpFactor: 4,
      fallback: 'adam',
      fallbackLearningRate: 0.01,
      onWarning: () => {},
    }).getConfig();
    expect(config).toMatchObject({ blowUpFactor: 4, fallback: 'adam', fallbackLearningRate: 0.01 });
    const rebuilt = LearnedTfOptimizer.fromConfig(
      LearnedTfOptimizer,
      JSON.parse(JSON.stringify(config)) as tf.serialization.ConfigDict,
    ) as LearnedTfOptimizer;
    expect(rebuilt.getConfig()).toEqual(config);
    expect(new LearnedTfOptimizer(ASCENT).getConfig()).toMatchObject({
      blowUpFactor: 10,
      fallback: null,
      fallbackLearningRate: 1e-3,
    });
  });
});
