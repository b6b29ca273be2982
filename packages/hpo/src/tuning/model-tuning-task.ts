import * as tf from '@tensorflow/tfjs';
import {
  foldIn,
  randomIntegers,
  split,
  truncationSchedule,
  type Evaluation,
  type InitOptions,
  type Key,
  type Task,
} from '@pes/core';
import {
  copyParticle,
  gatherParticles,
  resetParticles,
  resolveFormulation,
} from '@pes/inner-problems';
import {
  particleMajorLosses,
  type ModelTuningState,
  type TuningData,
  type TuningObjective,
} from './model-tuning-state.js';
import { batchedStack } from './batched-layers.js';
import { batchedUnroll } from './batched-unroll.js';
import { freshWeights } from './fresh-weights.js';
import { layerRate } from './hyperparameters.js';
import { innerStep, slotsPerWeight } from './inner-optimizers.js';
import { trainableLayers } from './model-layers.js';
import { accuracy, lossFunction, type LossSpec } from './model-losses.js';
import type { ResolvedSpace } from './search-space.js';

export type { ModelTuningState, TuningData, TuningObjective } from './model-tuning-state.js';

export interface ModelTuningTaskOptions {
  /** A built model (its first layer has an input shape); the task owns it and disposes it on close. */
  model: tf.LayersModel;
  loss: LossSpec;
  data: TuningData;
  space: ResolvedSpace;
  objective: TuningObjective;
  batchSize: number;
  /**
   * How the particles step: one at a time through the shared model (`per-particle`), or all at
   * once with their weights stacked (`batched`: a stack of Dense, Conv2D, pooling, Flatten and
   * Activation layers, with a named loss); `auto` (the default) batches such models where
   * @pes's image tasks batch, on tfjs-node, WebGL and WebGPU. The two agree to float32
   * tolerance, not bit for bit.
   */
  formulation?: 'auto' | 'per-particle' | 'batched';
  name?: string;
}

interface TensorSnapshot {
  shape: number[];
  data: Float32Array;
}

const snapshotOf = (t: tf.Tensor): TensorSnapshot => ({
  shape: t.shape,
  data: (t.dataSync() as Float32Array).slice(),
});

function restoreTensor(s: TensorSnapshot): tf.Tensor {
  if (!(s?.data instanceof Float32Array) || !Array.isArray(s.shape))
    throw new TypeError('model tuning checkpoint: not a tensor');
  return tf.tensor(s.data, s.shape);
}

/** The per-particle tensor lists of a `ModelTuningState`. */
const FIELDS = ['params', 'slots'] as const;

/**
 * The inner problem of tuning a model's hyperparameters, as an ordinary @pes/core task: particle
 * p trains its own copy of the model's weights with `space.optimizer` (momentum SGD or Adam),
 * its hyperparameters at its step t those of `space.at(θ_p, t)`, one minibatch per step, and reports the objective at each step
 * (the training loss, or the validation loss or −accuracy of a validation minibatch after the
 * step). Episodes are `space.horizon` steps, staggered by `init`'s offsets, and a particle whose
 * episode ends starts again from fresh weights drawn from that step's key.
 *
 * The particles share one tfjs model: each step writes a particle's weights into it, takes the
 * gradient, updates the particle's own tensors and leaves the model's variables as scratch, so
 * no state holds a tf.Variable; or, in the batched formulation (a stack of layers batched-layers.ts knows), all
 * particles step at once with their weights stacked (batched-unroll.ts).
 */
export function modelTuningTask(options: ModelTuningTaskOptions): Task<ModelTuningState> {
  const { model, data, space, objective, batchSize } = options;
  if (model.nonTrainableWeights.length > 0) {
    throw new RangeError(
      'model: layers with non-trainable weights (BatchNormalization) are not supported yet',
    );
  }
  const layerWeights = model.trainableWeights;
  if (layerWeights.length === 0) {
    throw new RangeError('model: no trainable weights (give its first layer an inputShape)');
  }
  const lossOf = lossFunction(options.loss);
  const classifies = options.loss !== 'meanSquaredError';
  if (objective === 'val-accuracy' && !classifies) {
    throw new RangeError(
      'objective: val-accuracy needs a classification loss, not meanSquaredError',
    );
  }
  const { names: layerNames, layerOf } = trainableLayers(model);
  if (space.layers.length > 0 && space.layers.join() !== layerNames.join()) {
    throw new RangeError(
      `model: its layers (${layerNames.join(', ')}) are not the search space's (${space.layers.join(', ')})`,
    );
  }
  const variables = layerWeights.map((w) => w.read() as tf.Variable);
  const shapes = layerWeights.map((w) => w.shape.map((d) => d!));
  const trainSize = data.x.shape[0]!;
  const validationSize = data.validationX.shape[0]!;
  if (data.y.shape[0] !== trainSize || data.validationY.shape[0] !== validationSize) {
    throw new RangeError(
      'data: x and y (validationX and validationY) differ in their first dimension',
    );
  }
  const horizon = space.horizon;
  const schedule = truncationSchedule(horizon);
  const dim = space.dim;
  const layers = typeof options.loss === 'string' ? batchedStack(model) : undefined;
  const formulation = options.formulation ?? 'auto';
  if (formulation === 'batched' && !layers) {
    throw new RangeError(
      'formulation: batched takes a stack of Dense, Conv2D, pooling, Flatten and Activation layers, with a named loss',
    );
  }
  const batched = layers !== undefined && resolveFormulation(formulation) === 'batched';

  const batchOf = (x: tf.Tensor, y: tf.Tensor, size: number, key: Key) =>
    tf.tidy(() => {
      const index = tf.tensor1d(randomIntegers(key, batchSize, size), 'int32');
      return { x: tf.gather(x, index), y: tf.gather(y, index) };
    });

  const load = (weights: tf.Tensor[]) => layerWeights.forEach((w, i) => w.write(weights[i]!));
  const predict = (x: tf.Tensor, training: boolean) => model.apply(x, { training }) as tf.Tensor;

  const optimizer = space.optimizer;
  const slotCount = slotsPerWeight(optimizer);
  const slotsOf = (buffers: tf.Tensor[], i: number) =>
    buffers.slice(i * slotCount, (i + 1) * slotCount);
  const fresh = (key: Key, count: number) => {
    const params = freshWeights(key, count, shapes);
    const slots = params.map((ws) =>
      ws.flatMap((w) => Array.from({ length: slotCount }, () => tf.zerosLike(w))),
    );
    return { params, slots };
  };
  const copy = (state: ModelTuningState, p: number) => copyParticle(state, FIELDS, p);

  /** `steps` steps of every particle; `resetAtEnd` false leaves an ended episode's weights. */
  const run = (
    state: ModelTuningState,
    thetas: Float64Array,
    steps: number,
    key: Key,
    resetAtEnd: boolean,
  ) => {
    const particles = state.t.length;
    if (thetas.length !== particles * dim) {
      throw new RangeError(`expected ${particles} × ${dim} thetas, got ${thetas.length} numbers`);
    }
    if (batched) {
      const context = {
        layers: layers!,
        layerOf,
        shapes,
        space,
        loss: options.loss as Extract<LossSpec, string>,
        objective,
        data,
        schedule,
        batchOf,
      };
      return batchedUnroll(context, state, thetas, steps, key, resetAtEnd);
    }
    const params = [...state.params];
    const slots = [...state.slots];
    // Particle p's tensors are this unroll's own (to dispose when replaced) once it has stepped.
    const owned = new Uint8Array(particles);
    const episodes = schedule.unroll(state.t, steps);
    const reported: tf.Scalar[] = [];
    for (let k = 0; k < steps; k++) {
      const [batchKey, heldOutKey, initKey] = split(foldIn(key, k), 3) as [Key, Key, Key];
      const batch = batchOf(data.x, data.y, trainSize, batchKey);
      const heldOut =
        objective === 'train-loss'
          ? undefined
          : batchOf(data.validationX, data.validationY, validationSize, heldOutKey);
      for (let p = 0; p < particles; p++) {
        const t = episodes.t[p]!;
        const h = space.at(thetas.subarray(p * dim, (p + 1) * dim), t);
        const next = tf.tidy(() => {
          load(params[p]!);
          const { value, grads } = tf.variableGrads(
            () => lossOf(batch.y, predict(batch.x, true)),
            variables,
          );
          const stepped = params[p]!.map((w, i) => {
            const hi = { ...h, learningRate: layerRate(h, layerOf[i]!) };
            return innerStep(
              optimizer,
              w,
              grads[variables[i]!.name]!,
              slotsOf(slots[p]!, i),
              hi,
              t,
            );
          });
          const weights = stepped.map((s) => s.weight);
          let loss: tf.Scalar = value;
          if (heldOut) {
            load(weights);
            const out = predict(heldOut.x, false);
            loss =
              objective === 'val-loss' ? lossOf(heldOut.y, out) : tf.neg(accuracy(heldOut.y, out));
          }
          return { weights, slots: stepped.flatMap((s) => s.slots), loss };
        });
        if (owned[p]) tf.dispose([...params[p]!, ...slots[p]!]);
        params[p] = next.weights;
        slots[p] = next.slots;
        owned[p] = 1;
        reported.push(next.loss);
        episodes.step(p, k);
      }
      tf.dispose([batch.x, batch.y]);
      if (heldOut) tf.dispose([heldOut.x, heldOut.y]);
      const ended = episodes.endedAt(k);
      if (ended.length > 0 && (resetAtEnd || k < steps - 1)) {
        const restart = fresh(initKey, ended.length);
        ended.forEach((p, i) => {
          tf.dispose([...params[p]!, ...slots[p]!]);
          params[p] = restart.params[i]!;
          slots[p] = restart.slots[i]!;
        });
      }
    }
    for (let p = 0; p < particles; p++) {
      if (!owned[p]) ({ params: params[p], slots: slots[p] } = copy(state, p));
    }
    const losses = particleMajorLosses(reported, particles, steps);
    return { state: { params, slots, t: episodes.t }, losses, done: episodes.done };
  };

  /** Loss and accuracy of weights on the whole validation set. */
  const validationFigures = (weights: tf.Tensor[]): Record<string, number> =>
    tf.tidy(() => {
      load(weights);
      const out = predict(data.validationX, false);
      const figures: Record<string, number> = {
        valLoss: lossOf(data.validationY, out).dataSync()[0]!,
      };
      if (classifies) figures.valAccuracy = accuracy(data.validationY, out).dataSync()[0]!;
      return figures;
    });

  const task: Task<ModelTuningState> = {
    name: options.name ?? 'model-tuning',
    dim,
    horizon,
    maximize: false,
    initialTheta: () => space.initialTheta(),
    init(key, particles, initOptions?: InitOptions) {
      return { ...fresh(key, particles), t: schedule.init(particles, initOptions?.stepOffsets) };
    },
    unroll: (state, thetas, steps, key) => run(state, thetas, steps, key, true),
    reset(state, mask, key) {
      const restart = fresh(
        key,
        mask.reduce((n, m) => n + (m ? 1 : 0), 0),
      );
      return { ...resetParticles(state, FIELDS, mask, restart), t: schedule.reset(state.t, mask) };
    },
    gather(state, indices) {
      return { ...gatherParticles(state, FIELDS, indices), t: schedule.gather(state.t, indices) };
    },
    /** One whole training run from fresh weights at θ: the objective's mean over its steps. */
    evaluate(theta, key): Evaluation {
      const [initKey, runKey] = split(key, 2) as [Key, Key];
      const start = task.init(initKey, 1);
      const r = run(start, theta, horizon, runKey, false);
      task.dispose!(start);
      const figures = validationFigures(r.state.params[0]!);
      task.dispose!(r.state);
      const evalLoss = r.losses.reduce((a, b) => a + b, 0) / horizon;
      return { evalLoss, lastStepLoss: r.losses[horizon - 1]!, ...figures };
    },
    snapshot: (state) => ({
      params: state.params.map((ws) => ws.map(snapshotOf)),
      slots: state.slots.map((ws) => ws.map(snapshotOf)),
      t: state.t,
    }),
    restore(snapshot) {
      const s = snapshot as { params?: unknown; slots?: unknown; t?: unknown };
      if (!(s?.t instanceof Int32Array) || !Array.isArray(s.params) || !Array.isArray(s.slots))
        throw new TypeError(`${task.name} checkpoint: not a model tuning state`);
      return {
        params: (s.params as TensorSnapshot[][]).map((ws) => ws.map(restoreTensor)),
        slots: (s.slots as TensorSnapshot[][]).map((ws) => ws.map(restoreTensor)),
        t: s.t,
      };
    },
    dispose(state) {
      for (const ws of state.params) tf.dispose(ws);
      for (const ws of state.slots) tf.dispose(ws);
    },
    close: () => model.dispose(),
  };
  return task;
}
