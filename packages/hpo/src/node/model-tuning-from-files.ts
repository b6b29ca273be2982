import type { Task } from '@pes/core';
import { DataError } from '@pes/inner-problems';
import type { TunedValue } from '../tuning/search-space.js';
import { modelTuningTask } from '../tuning/model-tuning-task.js';
import { TunedOptimizer } from '../tuning/tuned-optimizer.js';
import type { HyperparameterName } from '../tuning/hyperparameters.js';
import { readTuningInputs } from './model-tuning-inputs.js';
import type { ResolvedModelTuningOptions as Options } from './model-tuning-options.js';

/** The `model-tuning` task of a run: its files read and checked, then `modelTuningTask`. */
export async function modelTuningTaskFromFiles(options: Options): Promise<Task> {
  const inputs = await readTuningInputs(options);
  let task: Task;
  try {
    task = modelTuningTask({
      model: inputs.model,
      loss: inputs.loss,
      data: inputs.data,
      space: inputs.space,
      objective: options.objective,
      batchSize: options.batchSize,
      formulation: options.formulation,
      name: 'model-tuning',
    });
  } catch (error) {
    inputs.dispose();
    if (error instanceof RangeError) throw new DataError(error.message);
    throw error;
  }
  // The task frees the model; the data tensors are this function's.
  return { ...task, close: () => inputs.dispose() };
}

/** What `hyperparameters.json` holds: the hyperparameters at the initial θ and at the tuned θ. */
export interface TunedHyperparameters {
  initial: Partial<Record<HyperparameterName, TunedValue>>;
  tuned: Partial<Record<HyperparameterName, TunedValue>>;
  theta: number[];
  /**
   * The tuned optimizer's saved config: `TunedOptimizer.fromConfig(TunedOptimizer, config)`
   * rebuilds it to train the model with these hyperparameters.
   */
  optimizer: { className: string; config: Record<string, unknown> };
}

export async function tunedHyperparameters(
  theta: ArrayLike<number>,
  options: Options,
): Promise<TunedHyperparameters> {
  const inputs = await readTuningInputs(options);
  try {
    const { space } = inputs;
    const optimizer = new TunedOptimizer(space, Float64Array.from(theta), inputs.model);
    const config = optimizer.getConfig();
    optimizer.dispose();
    return {
      initial: space.describe(space.initialTheta()),
      tuned: space.describe(theta),
      theta: Array.from(theta),
      optimizer: { className: TunedOptimizer.className, config },
    };
  } finally {
    inputs.dispose();
  }
}
