import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  NORMALIZED_WEIGHTS,
  NORMALIZED_WEIGHTS_PROVENANCE,
  normalizedLoptLayout,
  normalizedTheta,
} from '@pes/learned-opt';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@pes/runner/node';
import { recipeFingerprint, resolvedRecipe, ROOT } from './recipe-fingerprint.js';

// The normalised learned optimizer's shipped θ (issue 25): from a finished run of its recipe,
// and reproducible from that recipe bit for bit (its first iterations, against the run's
// fingerprint), on WebAssembly, where the recipe's task runs.

const RECIPE = join(ROOT, 'packages/learned-opt/weights/lopt-normalized.yaml');

describe('the normalised learned optimizer shipped in @pes/learned-opt', () => {
  it('comes from a finished run of exactly the settings weights/lopt-normalized.yaml gives', () => {
    const recipe = resolvedRecipe(RECIPE);
    expect(NORMALIZED_WEIGHTS_PROVENANCE.config).toEqual(JSON.parse(JSON.stringify(recipe)));
    expect(NORMALIZED_WEIGHTS.theta).toHaveLength(normalizedLoptLayout().dim);
    const theta = normalizedTheta();
    expect(Array.from(theta)).toEqual(NORMALIZED_WEIGHTS.theta);
    const digest = createHash('sha256').update(new Uint8Array(theta.buffer)).digest('hex');
    expect(digest).toBe(NORMALIZED_WEIGHTS_PROVENANCE.thetaSha256);
    expect(NORMALIZED_WEIGHTS.metaTrainedAt).toEqual({
      innerLr: recipe.innerLr,
      innerSchedule: recipe.innerSchedule,
    });
  });

  // The recipe reads CIFAR-10 from ../shared/data: skipped, visibly, where it is absent.
  it.skipIf(!existsSync(join(ROOT, '../shared/data/cifar-10-batches-bin')))(
    'the recipe reproduces them: its first iterations, on one worker, reach the run’s θ bit for bit',
    async () => {
      await selectBackend({ requested: 'wasm' });
      const { iteration, thetaSha256 } = NORMALIZED_WEIGHTS_PROVENANCE.early;
      expect(await recipeFingerprint(RECIPE, iteration)).toBe(thetaSha256);
    },
    300_000,
  );
});
