import * as tf from '@tensorflow/tfjs';
import { foldIn, split, type Key, type TruncationSchedule } from '@pes/core';
import { batchedForward, batchedInnerStep, type BatchedLayer } from './batched-layers.js';
import { freshWeights } from './fresh-weights.js';
import { perParticleAccuracy, perParticleLoss, type LossSpec } from './model-losses.js';
import {
  particleMajorLosses,
  type ModelTuningState,
  type TuningData,
  type TuningObjective,
} from './model-tuning-state.js';
import type { ResolvedSpace } from './search-space.js';
import { slotsPerWeight } from './inner-optimizers.js';

/** What the batched unroll needs of its task: the model's layers, the data and the settings. */
export interface BatchedContext {
  layers: readonly BatchedLayer[];
  /** The layer of each trainable weight (for per-layer learning rates). */
  layerOf: readonly number[];
  shapes: readonly number[][];
  space: ResolvedSpace;
  loss: Extract<LossSpec, string>;
  objective: TuningObjective;
  data: TuningData;
  schedule: TruncationSchedule;
  batchOf(x: tf.Tensor, y: tf.Tensor, size: number, key: Key): { x: tf.Tensor; y: tf.Tensor };
}

/**
 * `steps` steps of every particle in the batched formulation: the state's weights and buffers
 * stacked once per unroll ([N, …] per weight), each step one batched forward and backward pass,
 * and unstacked into the per-particle state at the end. The same minibatches, hyperparameters,
 * resets and reported objective as the per-particle loop, to float32 tolerance.
 */
export function batchedUnroll(
  ctx: BatchedContext,
  state: ModelTuningState,
  thetas: Float64Array,
  steps: number,
  key: Key,
  resetAtEnd: boolean,
): { state: ModelTuningState; losses: Float64Array; done: Uint8Array } {
  const { space, data } = ctx;
  const particles = state.t.length;
  const dim = space.dim;
  const slotCount = slotsPerWeight(space.optimizer);
  const lossOf = perParticleLoss(ctx.loss);
  const trainSize = data.x.shape[0]!;
  const validationSize = data.validationX.shape[0]!;
  let weights = ctx.shapes.map((_, i) => tf.stack(state.params.map((p) => p[i]!)));
  let slots = ctx.shapes.map((_, i) =>
    Array.from({ length: slotCount }, (_, j) =>
      tf.stack(state.slots.map((s) => s[i * slotCount + j]!)),
    ),
  );
  const episodes = ctx.schedule.unroll(state.t, steps);
  const reported: tf.Tensor1D[] = [];
  for (let k = 0; k < steps; k++) {
    const [batchKey, heldOutKey, initKey] = split(foldIn(key, k), 3) as [Key, Key, Key];
    const batch = ctx.batchOf(data.x, data.y, trainSize, batchKey);
    const heldOut =
      ctx.objective === 'train-loss'
        ? undefined
        : ctx.batchOf(data.validationX, data.validationY, validationSize, heldOutKey);
    const t = Array.from(episodes.t);
    const h = t.map((tp, p) => space.at(thetas.subarray(p * dim, (p + 1) * dim), tp));
    const next = tf.tidy(() => {
      const perParticle = (ws: tf.Tensor[]) =>
        lossOf(batch.y, batchedForward(ctx.layers, ws, batch.x));
      // The particles' losses are independent: the gradient of their sum is each one's own.
      const grads = tf.grads((...ws: tf.Tensor[]) => tf.sum(perParticle(ws)))(weights);
      const stepped = weights.map((w, i) =>
        batchedInnerStep(space.optimizer, w, grads[i]!, slots[i]!, h, t, ctx.layerOf[i]!),
      );
      const after = stepped.map((s) => s.weight);
      let loss: tf.Tensor1D;
      if (!heldOut) loss = perParticle(weights);
      else {
        const out = batchedForward(ctx.layers, after, heldOut.x);
        loss =
          ctx.objective === 'val-loss'
            ? lossOf(heldOut.y, out)
            : tf.neg(perParticleAccuracy(heldOut.y, out));
      }
      return { weights: after, slots: stepped.map((s) => s.slots), loss };
    });
    tf.dispose([...weights, ...slots.flat()]);
    weights = next.weights;
    slots = next.slots;
    reported.push(next.loss);
    for (let p = 0; p < particles; p++) episodes.step(p, k);
    tf.dispose([batch.x, batch.y]);
    if (heldOut) tf.dispose([heldOut.x, heldOut.y]);
    const ended = episodes.endedAt(k);
    if (ended.length > 0 && (resetAtEnd || k < steps - 1)) {
      // One fresh network for every particle that ended (as the per-particle loop draws it).
      const [template] = freshWeights(initKey, 1, ctx.shapes as number[][]);
      const restarted = tf.tidy(() => {
        const mask = new Array<number>(particles).fill(0);
        for (const p of ended) mask[p] = 1;
        const where = (shape: number[]) =>
          tf.broadcastTo(tf.tensor(mask, [particles, ...shape.map(() => 1)], 'bool'), [
            particles,
            ...shape,
          ]);
        return {
          weights: weights.map((w, i) => {
            const shape = ctx.shapes[i]!;
            return tf.where(
              where(shape),
              tf.broadcastTo(tf.expandDims(template![i]!, 0), w.shape),
              w,
            );
          }),
          slots: slots.map((ss, i) =>
            ss.map((s) => tf.where(where(ctx.shapes[i]!), tf.zerosLike(s), s)),
          ),
        };
      });
      tf.dispose([...template!, ...weights, ...slots.flat()]);
      weights = restarted.weights;
      slots = restarted.slots;
    }
  }
  // The per-particle state again, and one read of the objective for the whole unroll.
  const params = Array.from({ length: particles }, () => [] as tf.Tensor[]);
  const buffers = Array.from({ length: particles }, () => [] as tf.Tensor[]);
  weights.forEach((w, i) => {
    tf.unstack(w).forEach((row, p) => params[p]!.push(row));
    slots[i]!.forEach((s) => tf.unstack(s).forEach((row, p) => buffers[p]!.push(row)));
  });
  // Buffers were pushed weight by weight, slot by slot: weight i's slot j at i · slotCount + j.
  tf.dispose([...weights, ...slots.flat()]);
  const losses = particleMajorLosses(reported, particles, steps);
  return { state: { params, slots: buffers, t: episodes.t }, losses, done: episodes.done };
}
