import type * as tf from '@tensorflow/tfjs';
import {
  adam,
  createMetaTrainer,
  persistentEs,
  runMetaTraining,
  type Evaluation,
  type Task,
} from '@pes/core';
import { z } from 'zod';
import {
  INNER_OPTIMIZERS,
  type HyperparameterName,
  type InnerOptimizerName,
} from './hyperparameters.js';
import type { LossSpec } from './model-losses.js';
import { modelTuningTask, type TuningData, type TuningObjective } from './model-tuning-task.js';
import {
  resolveSearchSpace,
  type ResolvedSpace,
  type SearchSpace,
  type TunedValue,
} from './search-space.js';
import { trainableLayers } from './model-layers.js';
import { TunedOptimizer } from './tuned-optimizer.js';

export interface TuneProgress {
  iteration: number;
  iterations: number;
  /** PES's meta-loss of this iteration: the particles' objectives over the unroll, averaged. */
  metaLoss: number;
  theta: number[];
  hyperparameters: Partial<Record<HyperparameterName, TunedValue>>;
}

export interface TuneOptions {
  /** A fresh, uncompiled tf.LayersModel per call; its first layer has an input shape. */
  model: () => tf.LayersModel;
  loss: LossSpec;
  data: TuningData;
  hyperparameters: SearchSpace;
  /** The per-particle optimizer the hyperparameters drive (default momentum SGD). */
  optimizer?: InnerOptimizerName;
  objective: TuningObjective;
  /** Inner steps of one training run of the model (T). */
  horizon: number;
  batchSize: number;
  /** PES particles N, an even number (antithetic pairs). */
  particles: number;
  /** Inner steps per truncated unroll (K). */
  unroll: number;
  /** Outer (PES) iterations. */
  iterations: number;
  seed: number;
  /** How the particles step (`modelTuningTask`'s formulation; default auto). */
  formulation?: 'auto' | 'per-particle' | 'batched';
  /** σ of PES's perturbations of θ (default 0.3). */
  sigma?: number;
  /** The outer Adam's step size on θ (default 0.1). */
  metaLearningRate?: number;
  onProgress?: (progress: TuneProgress) => void;
}

export interface TuneResult {
  /** The tuned values and schedules, readable. */
  hyperparameters: Partial<Record<HyperparameterName, TunedValue>>;
  theta: Float64Array;
  /** One whole training run at the initial and at the tuned θ (the task's evaluate). */
  initial: Evaluation;
  final: Evaluation;
  /**
   * A new tf.Optimizer applying the tuned hyperparameters from step 0; the caller disposes it.
   * `model`, the one it will train, is needed when per-layer learning rates were tuned.
   */
  optimizer(model?: tf.LayersModel): tf.Optimizer;
}

const positiveInteger = z.number().int().positive();
const settingsSchema = z.object({
  objective: z.enum(['val-accuracy', 'val-loss', 'train-loss']),
  optimizer: z.enum(INNER_OPTIMIZERS).optional(),
  horizon: positiveInteger,
  batchSize: positiveInteger,
  particles: positiveInteger.refine((n) => n % 2 === 0, 'must be even (antithetic pairs)'),
  unroll: positiveInteger,
  iterations: z.number().int().nonnegative(),
  seed: z.number().int(),
  formulation: z.enum(['auto', 'per-particle', 'batched']).optional(),
  sigma: z.number().positive().optional(),
  metaLearningRate: z.number().positive().optional(),
});

function checkSettings(options: TuneOptions): void {
  const parsed = settingsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RangeError(`${issue.path.join('.')}: ${issue.message}`);
  }
}

/**
 * Tunes a model's hyperparameters with PES: builds `modelTuningTask` on the model and data, and
 * meta-trains its θ with persistent ES and Adam through @pes/core's meta-trainer, as any task
 * is meta-trained. Deterministic in `seed` (on one backend).
 */
export async function tuneHyperparameters(options: TuneOptions): Promise<TuneResult> {
  checkSettings(options);
  const model = options.model();
  let space: ResolvedSpace;
  let task: Task;
  try {
    space = resolveSearchSpace(
      options.hyperparameters,
      options.horizon,
      options.optimizer ?? 'momentum',
      trainableLayers(model).names,
    );
    task = modelTuningTask({
      model,
      loss: options.loss,
      data: options.data,
      space,
      objective: options.objective,
      batchSize: options.batchSize,
      ...(options.formulation ? { formulation: options.formulation } : {}),
    });
  } catch (error) {
    // Refused before the task owns the model: nothing else will dispose it.
    model.dispose();
    throw error;
  }
  try {
    const trainer = createMetaTrainer({
      task,
      estimator: persistentEs(task, {
        particles: options.particles,
        sigma: options.sigma ?? 0.3,
        unrollLength: options.unroll,
      }),
      optimizer: adam(options.metaLearningRate ?? 0.1),
      settings: { iterations: options.iterations, evalEvery: 0, seed: options.seed },
    });
    const { state } = await runMetaTraining({
      trainer,
      onIteration: (record) =>
        options.onProgress?.({
          iteration: record.iteration,
          iterations: options.iterations,
          metaLoss: record.metaLoss,
          theta: record.theta,
          hyperparameters: space.describe(record.theta),
        }),
    });
    const theta = state.theta.slice();
    const history = state.history;
    trainer.dispose(state);
    return {
      hyperparameters: space.describe(theta),
      theta,
      initial: history[0]!.evaluation,
      final: history[history.length - 1]!.evaluation,
      optimizer: (target) => new TunedOptimizer(space, theta, target),
    };
  } finally {
    task.close!();
  }
}
