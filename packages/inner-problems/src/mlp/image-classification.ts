import * as tf from '@tensorflow/tfjs';
import {
  foldIn,
  split,
  truncationSchedule,
  type Evaluation,
  type InitOptions,
  type Key,
  type Task,
} from '@pes/core';
import { fillBatch, sampleBatch, type ImageDataset } from '../data/dataset.js';
import type { ImageData } from '../data/dataset.js';
import { toBatch, type Activation, type Architecture, type Batch } from './network.js';
import { applyTensorUpdates } from './tensor-optimizers.js';
import type { BatchedUpdate, InnerUpdateRule } from './update-rule.js';
import {
  batchedEvaluateBatch,
  batchedLossAndGradients,
  stackParticles,
  unstackParticles,
} from './batched-network.js';
import { resolveFormulation, type Formulation } from './formulation.js';
import { datasetFigures } from './dataset-figures.js';
import { mlpClassifier, type Classifier } from './classifier.js';
import { gatherParticles, resetParticles } from '../particle-tensors.js';

export type Objective = 'train-loss' | 'val-loss' | 'val-accuracy';

export interface ImageClassificationOptions {
  name: string;
  data: ImageData;
  architecture: Architecture;
  activation: Activation;
  batchSize: number;
  /** Inner steps per episode; the network is re-initialised after each. */
  horizon: number;
  rule: InnerUpdateRule;
  /**
   * What each step reports as its loss: the training loss of the minibatch it stepped on, or
   * the loss or minus the accuracy on a fresh held-out minibatch after the step.
   */
  objective: Objective;
  /** Validation records used for the figures of `evaluate` (default: all). */
  evaluationRecords?: number;
  /**
   * Per-particle networks or one batched network for all particles (formulation.ts); `auto`
   * (the default) picks by the tfjs backend active at each unroll.
   */
  formulation?: Formulation;
  /**
   * A network other than the MLP of `architecture` (a conv net: `smallConvNetwork`), whose
   * `architecture` is then only [inputs, classes]. It steps one particle at a time: the batched
   * formulation is the MLP's.
   */
  classifier?: Classifier;
}

/** The per-particle tensor lists of an `MlpState`: what `reset` and `gather` carry over. */
const FIELDS = ['params', 'optimizer'] as const;

/**
 * Every particle's network, inner-optimizer state and step counter. Tensors belong to the
 * state; `unroll`, `reset` and `gather` return states with tensors of their own.
 */
export interface MlpState {
  params: tf.Tensor[][];
  optimizer: tf.Tensor[][];
  t: Int32Array;
}

export interface ImageClassificationTask extends Task<MlpState> {
  readonly options: ImageClassificationOptions;
}

/**
 * Training an MLP classifier on images with an update rule driven by θ, for every particle at
 * once: particle p's network steps with θ row p. Every particle steps on the same minibatch at
 * the same call (common random numbers: the estimate's noise comes from θ, not the data); the
 * stream of minibatches follows the key given to `unroll`.
 */
export function imageClassificationTask(
  options: ImageClassificationOptions,
): ImageClassificationTask {
  const { data, architecture, activation, batchSize, horizon, rule, objective } = options;
  if (architecture[0] !== data.train.features) {
    throw new RangeError(
      `architecture starts with ${architecture[0]} inputs but ${data.train.name} has ${data.train.features} features`,
    );
  }
  if (architecture.at(-1) !== data.train.classNames.length) {
    throw new RangeError(
      `architecture ends with ${architecture.at(-1)} outputs but the data has ${data.train.classNames.length} classes`,
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  if (options.classifier && options.formulation === 'batched')
    throw new RangeError('a classifier other than the MLP steps per particle, not batched');
  const network = options.classifier ?? mlpClassifier(architecture, activation);
  const schedule = truncationSchedule(horizon);
  const classes = data.train.classNames.length;
  const features = data.train.features;
  const dim = rule.dim;

  const makeBatch = (dataset: ImageDataset, key: Key): Batch => {
    const x = new Float32Array(batchSize * features);
    const labels = new Int32Array(batchSize);
    fillBatch(dataset, sampleBatch(key, dataset, batchSize), x, labels);
    return toBatch(x, labels, features, classes);
  };
  const disposeBatch = (b: Batch) => tf.dispose([b.x, b.xT, b.y]);

  /** A rule without a batched step steps each particle on its slices of the stacked tensors. */
  const slicedUpdate =
    (paramShapes: number[][], stateShapes: number[][]): BatchedUpdate =>
    (thetas, grads, state, params, steps) => {
      const n = steps.length;
      const [g, s, w] = [
        unstackParticles(grads, paramShapes, n),
        unstackParticles(state, stateShapes, n),
        unstackParticles(params, paramShapes, n),
      ];
      const each = Array.from(steps, (t, p) =>
        rule.optimizer(thetas.subarray(p * dim, (p + 1) * dim)).update(g[p]!, s[p]!, w[p]!, t),
      );
      return {
        updates: stackParticles(each.map((u) => u.updates)),
        state: stackParticles(each.map((u) => u.state)),
      };
    };

  /** A fresh network and rule state for each particle in `which`, all from one draw of `key`. */
  const freshNetworks = (key: Key, count: number) => {
    const template = network.init(key);
    const params = Array.from({ length: count }, () => template.map((w) => tf.clone(w)));
    tf.dispose(template);
    return { params, optimizer: params.map((p) => rule.init(p)) };
  };

  /**
   * The inner loop. Tensors of `state` are never disposed here; intermediate ones are. With
   * `resetAtEnd` false an episode's last step keeps its network (for `evaluate`, which reads
   * only the network: the step counter restarts all the same).
   */
  const run = (
    state: MlpState,
    thetas: Float64Array,
    steps: number,
    key: Key,
    resetAtEnd: boolean,
  ) => {
    const particles = state.t.length;
    if (thetas.length !== particles * dim) {
      throw new RangeError(`expected ${particles} × ${dim} thetas, got ${thetas.length} numbers`);
    }
    const params = [...state.params];
    const optimizer = [...state.optimizer];
    const owned = new Uint8Array(particles);
    const episodes = schedule.unroll(state.t, steps);
    // Scalars per particle and step, or (batched) one [N] tensor per step: step-major both.
    const lossTensors: tf.Tensor[] = [];
    // The training loss of each step, kept only for evaluate's figures (resetAtEnd false).
    const trainTensors: tf.Tensor[] = [];
    // `auto` batches only a rule that steps all particles at once (`batchedUpdate`): a rule that
    // would be sliced per particle each step (the learned optimizers) costs more ops batched.
    const batched =
      !options.classifier &&
      resolveFormulation(options.formulation) === 'batched' &&
      (options.formulation === 'batched' || rule.batchedUpdate !== undefined);
    const shapes = {
      params: state.params[0]?.map((w) => w.shape) ?? [],
      optimizer: state.optimizer[0]?.map((w) => w.shape) ?? [],
    };
    const update = rule.batchedUpdate ?? slicedUpdate(shapes.params, shapes.optimizer);
    // The batched formulation's networks, stacked at its first step and unstacked for resets.
    let stacked: { params: tf.Tensor[]; optimizer: tf.Tensor[] } | undefined;
    const unstack = () => {
      if (!stacked) return;
      const ps = unstackParticles(stacked.params, shapes.params, particles);
      const os = unstackParticles(stacked.optimizer, shapes.optimizer, particles);
      tf.dispose([...stacked.params, ...stacked.optimizer]);
      stacked = undefined;
      for (let p = 0; p < particles; p++) {
        params[p] = ps[p]!;
        optimizer[p] = os[p]!;
        owned[p] = 1;
      }
    };
    for (let k = 0; k < steps; k++) {
      const [batchKey, heldOutKey, initKey] = split(foldIn(key, k), 3) as [Key, Key, Key];
      const batch = makeBatch(data.train, batchKey);
      const heldOut =
        objective === 'train-loss' ? undefined : makeBatch(data.validation, heldOutKey);
      if (batched) {
        if (!stacked) {
          stacked = { params: stackParticles(params), optimizer: stackParticles(optimizer) };
          for (let p = 0; p < particles; p++) {
            if (owned[p]) tf.dispose([...params[p]!, ...optimizer[p]!]);
            owned[p] = 0;
          }
        }
        const current = stacked;
        const t = episodes.t.slice();
        const next = tf.tidy(() => {
          const { loss, grads } = batchedLossAndGradients(current.params, batch, activation);
          const step = update(thetas, grads, current.optimizer, current.params, t);
          const updated = applyTensorUpdates(current.params, step.updates);
          let reported: tf.Tensor = loss;
          const kept = !resetAtEnd && heldOut ? tf.keep(loss.clone()) : undefined;
          if (heldOut) {
            const evaluation = batchedEvaluateBatch(updated, heldOut, activation);
            reported = objective === 'val-loss' ? evaluation.loss : tf.neg(evaluation.accuracy);
          }
          return { params: updated, state: step.state, reported, kept };
        });
        if (next.kept) trainTensors.push(next.kept);
        tf.dispose([...current.params, ...current.optimizer]);
        stacked = { params: next.params, optimizer: next.state };
        lossTensors.push(next.reported);
        for (let p = 0; p < particles; p++) episodes.step(p, k);
      }
      for (let p = 0; p < particles && !batched; p++) {
        const next = tf.tidy(() => {
          const { loss, grads } = network.lossAndGradients(params[p]!, batch);
          const theta = thetas.subarray(p * dim, (p + 1) * dim);
          const step = rule
            .optimizer(theta)
            .update(grads, optimizer[p]!, params[p]!, episodes.t[p]!);
          const updated = {
            params: applyTensorUpdates(params[p]!, step.updates),
            state: step.state,
          };
          let reported: tf.Scalar = loss;
          const kept = !resetAtEnd && heldOut ? tf.keep(loss.clone()) : undefined;
          if (heldOut) {
            const evaluation = network.evaluate(updated.params, heldOut);
            reported = objective === 'val-loss' ? evaluation.loss : tf.neg(evaluation.accuracy);
          }
          return { ...updated, reported, kept };
        });
        if (next.kept) trainTensors.push(next.kept);
        if (owned[p]) tf.dispose([...params[p]!, ...optimizer[p]!]);
        params[p] = next.params;
        optimizer[p] = next.state;
        owned[p] = 1;
        lossTensors.push(next.reported);
        episodes.step(p, k);
      }
      disposeBatch(batch);
      if (heldOut) disposeBatch(heldOut);
      const ended = episodes.endedAt(k);
      if (ended.length > 0 && (resetAtEnd || k < steps - 1)) {
        unstack();
        const fresh = freshNetworks(initKey, ended.length);
        ended.forEach((p, i) => {
          tf.dispose([...params[p]!, ...optimizer[p]!]);
          params[p] = fresh.params[i]!;
          optimizer[p] = fresh.optimizer[i]!;
        });
      }
    }
    unstack();
    // Particles never stepped still share tensors with the input state: give them their own.
    for (let p = 0; p < particles; p++) {
      if (!owned[p]) {
        params[p] = params[p]!.map((w) => tf.clone(w));
        optimizer[p] = optimizer[p]!.map((w) => tf.clone(w));
      }
    }
    // One read for the whole unroll; step-major order → particles × steps.
    const flat = (ts: tf.Tensor[]) =>
      batched ? tf.concat(ts.map((l) => l.reshape([-1]))) : tf.stack(ts);
    const stepMajor =
      lossTensors.length > 0 ? tf.tidy(() => flat(lossTensors).dataSync()) : new Float32Array();
    tf.dispose(lossTensors);
    const trainLosses =
      trainTensors.length > 0
        ? Float64Array.from(tf.tidy(() => flat(trainTensors).dataSync()))
        : undefined;
    tf.dispose(trainTensors);
    const losses = new Float64Array(particles * steps);
    for (let k = 0; k < steps; k++)
      for (let p = 0; p < particles; p++) losses[p * steps + k] = stepMajor[k * particles + p]!;
    const { t, done } = episodes;
    return { state: { params, optimizer, t }, losses, done, trainLosses };
  };

  /** Loss and accuracy of a network on (up to `evaluationRecords` of) the validation set. */
  const validationFigures = (params: tf.Tensor[]) => {
    const r = datasetFigures(
      params,
      data.validation,
      options.classifier ?? activation,
      options.evaluationRecords,
    );
    return { valLoss: r.loss, valAccuracy: r.accuracy };
  };

  const task: ImageClassificationTask = {
    name: options.name,
    dim,
    horizon,
    options,
    initialTheta: () => rule.initialTheta(),
    init(key, particles, initOptions?: InitOptions) {
      const { params, optimizer } = freshNetworks(key, particles);
      return { params, optimizer, t: schedule.init(particles, initOptions?.stepOffsets) };
    },
    unroll(state, thetas, steps, key) {
      const { trainLosses: _unused, ...result } = run(state, thetas, steps, key, true);
      return result;
    },
    reset(state, mask, key) {
      const fresh = freshNetworks(
        key,
        mask.reduce((n, m) => n + (m ? 1 : 0), 0),
      );
      return {
        ...resetParticles(state, FIELDS, mask, fresh),
        t: schedule.reset(state.t, mask),
      };
    },
    gather(state, indices) {
      return { ...gatherParticles(state, FIELDS, indices), t: schedule.gather(state.t, indices) };
    },
    evaluate(theta, key): Evaluation {
      const [initKey, runKey] = split(key, 2) as [Key, Key];
      const start = task.init(initKey, 1);
      const r = run(start, theta, horizon, runKey, false);
      task.dispose!(start);
      const figures = validationFigures(r.state.params[0]!);
      task.dispose!(r.state);
      const evalLoss = r.losses.reduce((a, b) => a + b, 0);
      // Under a held-out objective the training losses come along, so one run gives both.
      const trainLossSum = r.trainLosses ? r.trainLosses.reduce((a, b) => a + b, 0) : evalLoss;
      const trainLossSumFigure = objective === 'train-loss' ? evalLoss : trainLossSum;
      return {
        evalLoss,
        trainLossSum: trainLossSumFigure,
        lastStepLoss: r.losses[horizon - 1]!,
        ...figures,
      };
    },
    snapshot: (state) => ({
      params: state.params.map((ps) => ps.map(tensorSnapshot)),
      optimizer: state.optimizer.map((ps) => ps.map(tensorSnapshot)),
      t: state.t,
    }),
    restore(snapshot) {
      const s = snapshot as { params?: unknown; optimizer?: unknown; t?: unknown };
      if (
        !(s?.t instanceof Int32Array) ||
        !Array.isArray(s.params) ||
        !Array.isArray(s.optimizer)
      ) {
        throw new TypeError(`${options.name} checkpoint: not a network state`);
      }
      return {
        params: (s.params as TensorSnapshot[][]).map((ps) => ps.map(tensorRestore)),
        optimizer: (s.optimizer as TensorSnapshot[][]).map((ps) => ps.map(tensorRestore)),
        t: s.t,
      };
    },
    dispose(state) {
      for (const ps of state.params) tf.dispose(ps);
      for (const os of state.optimizer) tf.dispose(os);
    },
  };
  return task;
}

interface TensorSnapshot {
  shape: number[];
  data: Float32Array;
}

function tensorSnapshot(t: tf.Tensor): TensorSnapshot {
  return { shape: t.shape, data: (t.dataSync() as Float32Array).slice() };
}

function tensorRestore(s: TensorSnapshot): tf.Tensor {
  if (!(s?.data instanceof Float32Array) || !Array.isArray(s.shape))
    throw new TypeError('checkpoint: not a tensor');
  return tf.tensor(s.data, s.shape);
}
