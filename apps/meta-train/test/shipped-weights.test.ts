import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeKey, normal } from '@pes/core';
import {
  FAMILY_WEIGHTS,
  FAMILY_WEIGHTS_PROVENANCE,
  mlpFamilyLearnedOptimizer,
  mlpFamilyTheta,
  mlpLoptLayout,
  type TaskFamily,
} from '@pes/learned-opt';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@pes/runner/node';
import { recipeFingerprint, resolvedRecipe, ROOT } from './recipe-fingerprint.js';

const RECIPE = join(ROOT, 'packages/learned-opt/weights/lopt-family.yaml');

describe('the learned optimizer shipped in @pes/learned-opt', () => {
  it('comes from a finished run of exactly the settings weights/lopt-family.yaml gives', () => {
    const recipe = resolvedRecipe(RECIPE);
    // The run's config.json as the run wrote it: JSON of the same resolved settings.
    expect(FAMILY_WEIGHTS_PROVENANCE.config).toEqual(JSON.parse(JSON.stringify(recipe)));
    expect(FAMILY_WEIGHTS.stepFeatureLimit).toBe((recipe.family as TaskFamily).horizon.max);
    expect(FAMILY_WEIGHTS.theta).toHaveLength(mlpLoptLayout().dim);
    expect(mlpFamilyTheta()).toEqual(Float64Array.from(FAMILY_WEIGHTS.theta));
    // Meta-training lowered the family's evaluation objective.
    expect(FAMILY_WEIGHTS_PROVENANCE.final.evalLoss).toBeLessThan(
      FAMILY_WEIGHTS_PROVENANCE.initial.evalLoss,
    );
  });

  // The recipe reads CIFAR-10 from ../shared/data: skipped, visibly, where it is absent.
  it.skipIf(!existsSync(join(ROOT, '../shared/data/cifar-10-batches-bin')))(
    'the command reproduces them: its first iterations, on one worker, reach the run’s θ bit for bit',
    async () => {
      await selectBackend();
      const { iteration, thetaSha256 } = FAMILY_WEIGHTS_PROVENANCE.early;
      expect(await recipeFingerprint(RECIPE, iteration)).toBe(thetaSha256);
    },
    300_000,
  );

  it('trains a tfjs-layers MLP of a size the family never drew, with one import and no files', async () => {
    await selectBackend();
    const features = 20;
    const x = tf.tensor2d(Float32Array.from(normal(makeKey(1), 256 * features)), [256, features]);
    const labels = tf.tidy(() =>
      tf.argMax(tf.matMul(x, tf.randomNormal([features, 4], 0, 1, 'float32', 2)), 1),
    );
    const y = tf.oneHot(labels as tf.Tensor1D, 4);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 96, activation: 'relu', inputShape: [features] }),
        tf.layers.dense({ units: 96, activation: 'relu' }),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    const warnings: string[] = [];
    const optimizer = mlpFamilyLearnedOptimizer({ onWarning: (m) => warnings.push(m) });
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const history = await model.fit(x, y, { epochs: 100, batchSize: 128, verbose: 0 });
    const losses = history.history['loss'] as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
    expect(warnings).toEqual([]);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, labels, y]);
  }, 120_000);
});
