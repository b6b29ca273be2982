import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { resolveSearchSpace } from '../tuning/search-space.js';
import type { ResolvedModelTuningOptions } from './model-tuning-options.js';

// The search space of a `model-tuning` run, read from its --hyperparameters value. Kept apart
// from the model and data readers (and from tfjs), because the task's registry entry reads it.

/** A search space that cannot be read or used: one line naming the file, exit 2. */
export class SearchSpaceError extends Error {
  override readonly name = 'SearchSpaceError';
}

/**
 * The search space a `--hyperparameters` value names: a YAML or JSON file, or the space itself as
 * JSON (what `pes tune` records in config.json, so that a resumed run or a worker reads the space
 * the run started with, whatever became of the file). `source` names it in errors.
 */
export function readSearchSpace(value: string | undefined): { space: unknown; source: string } {
  if (!value)
    throw new SearchSpaceError('--hyperparameters is required (a YAML or JSON search space)');
  if (value.trimStart().startsWith('{')) {
    try {
      return { space: JSON.parse(value), source: '--hyperparameters' };
    } catch (error) {
      throw new SearchSpaceError(`--hyperparameters: not JSON (${(error as Error).message})`);
    }
  }
  try {
    return { space: parseYaml(readFileSync(value, 'utf8')), source: `--hyperparameters ${value}` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SearchSpaceError(
      `--hyperparameters ${value}: ${code ? `cannot read it (${code})` : `not YAML or JSON (${(error as Error).message.split('\n')[0]})`}`,
    );
  }
}

/**
 * Random search's box of θ for a `model-tuning` run (`ResolvedSpace.box`). It is read without
 * the model, which a per-layer hyperparameter needs for its size: random search refuses those.
 */
export function searchBox(options: ResolvedModelTuningOptions): [number, number][] {
  const { space, source } = readSearchSpace(options.hyperparameters);
  if (typeof space === 'object' && space !== null && 'layerLearningRate' in space)
    throw new SearchSpaceError(
      `${source}: random search does not take layerLearningRate (per layer) yet`,
    );
  try {
    return resolveSearchSpace(space, options.horizon, options.innerOptimizer).box();
  } catch (error) {
    if (error instanceof RangeError) throw new SearchSpaceError(`${source}: ${error.message}`);
    throw error;
  }
}
