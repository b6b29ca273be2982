import { runMetaTraining, type MetaTrainState } from '@pes/core';
import { UsageError } from '../src/errors.js';
import { buildRun, resolveRun, type RunConfig } from '@pes/runner/node';

/** A task family of tiny MLPs on MNIST: the family tasks' draws at a tiny scale. */
const TINY_FAMILY = {
  datasets: [{ name: 'mnist' }],
  depths: [1, 2],
  widths: [4, 8],
  activations: ['relu', 'tanh'],
  batchSizes: [4, 8],
  horizon: { min: 3, max: 12 },
};

/** Every registered task at a tiny scale: 6 particles, so up to 3 shards of one antithetic pair. */
export const TINY: Record<string, Partial<RunConfig>> = {
  quadratic: { horizon: 12, unrollLength: 4 },
  'influence-balancing': { unrollLength: 1 },
  'toy-regression': { horizon: 12, unrollLength: 4 },
  'mnist-mlp': { arch: '784-8-10', batchSize: 8, horizon: 10, unrollLength: 5 },
  'mnist-lr-schedule': { arch: '784-8-10', batchSize: 8, horizon: 10, unrollLength: 5 },
  'lopt-mnist': { arch: '784-8-10', batchSize: 8, horizon: 10, unrollLength: 5 },
  swimmer: { horizon: 10, unrollLength: 5 },
  'char-lstm': { horizon: 20, unrollLength: 5 },
  'lopt-family': {
    family: {
      ...TINY_FAMILY,
      evaluation: [{ dataset: 'mnist', hidden: [4], activation: 'relu', batchSize: 4, horizon: 5 }],
    },
    unrollLength: 5,
  },
  // Reparameterised draws, a warm-up schedule over each episode, fraction features, Adam for biases.
  'lopt-normalized': {
    family: {
      ...TINY_FAMILY,
      reparameterisation: { lossScale: { min: 0.1, max: 10 }, paramScale: { min: 0.5, max: 2 } },
      evaluation: [{ dataset: 'mnist', hidden: [4], activation: 'relu', batchSize: 4, horizon: 5 }],
    },
    innerSchedule: 'warmup-cosine',
    fractionFeatures: true,
    oneDimensional: 'adam',
    unrollLength: 5,
  },
};

export function bits(x: Float64Array): string {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');
}

/** θ and the meta-losses of a tiny run over `workers` threads; undefined where the task cannot serve the estimator. */
export async function run(
  config: RunConfig,
  workers: number,
  isolation: 'threads' | 'processes' = 'threads',
) {
  let built;
  try {
    built = await buildRun(resolveRun(config), { workers, isolation });
  } catch (error) {
    if (error instanceof UsageError) return undefined;
    throw error;
  }
  try {
    const { state }: { state: MetaTrainState } = await runMetaTraining({ trainer: built.trainer });
    return {
      theta: bits(state.theta),
      metaLosses: state.history.map((h) => h.metaLoss),
      evaluation: state.history.at(-1)!.evaluation,
      sharded: (built.task as { workers?: number }).workers ?? 1,
    };
  } finally {
    built.task.close?.();
  }
}
