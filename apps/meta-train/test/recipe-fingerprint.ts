import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { runMetaTraining } from '@pes/core';
import type { TaskFamily } from '@pes/learned-opt';
import { buildRun, loadConfigFile, resolveConfig, resolveRun } from '@pes/runner/node';

/** The repository's root, where a recipe's relative data directories are read from. */
export const ROOT = join(import.meta.dirname, '..', '..', '..');

/** A learned optimizer's recipe (packages/learned-opt/weights/*.yaml), resolved as a run would. */
export function resolvedRecipe(recipe: string) {
  return resolveConfig(loadConfigFile(recipe) as Parameters<typeof resolveConfig>[0]);
}

/**
 * The SHA-256 of θ after the first `iterations` of a recipe's run on one worker: what a shipped
 * learned optimizer's provenance records as its fingerprint (tools/ship-weights.mjs), recomputed
 * in seconds where the whole run takes most of an hour. The backend is the caller's to select.
 */
export async function recipeFingerprint(recipe: string, iterations: number): Promise<string> {
  const settings = loadConfigFile(recipe) as Parameters<typeof resolveConfig>[0];
  const family = settings.family as TaskFamily;
  const run = resolveRun({
    ...settings,
    // The recipe's relative data directory is the repository root's, where the command runs.
    family: {
      ...family,
      datasets: family.datasets.map((d) => (d.dir ? { ...d, dir: join(ROOT, d.dir) } : d)),
    },
    iterations,
  });
  const built = await buildRun(run, { workers: 1 });
  try {
    const { state } = await runMetaTraining({ trainer: built.trainer });
    const digest = createHash('sha256').update(new Uint8Array(state.theta.buffer)).digest('hex');
    built.trainer.dispose(state);
    return digest;
  } finally {
    built.task.close?.();
  }
}
