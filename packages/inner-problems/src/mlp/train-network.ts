import * as tf from '@tensorflow/tfjs';
import { foldIn, split, type Key } from '@pes/core';
import { fillBatch, sampleBatch } from '../data/dataset.js';
import type { ImageData } from '../data/dataset.js';
import { evaluationFigures, evaluationSet, type EvaluationSet } from './dataset-figures.js';
import { mlpClassifier, type Classifier } from './classifier.js';
import { toBatch, type Activation, type Architecture } from './network.js';
import { applyTensorUpdates, type TensorOptimizer } from './tensor-optimizers.js';

/** The network an evaluation trains: an MLP of network.ts, or any `Classifier` (a conv net). */
export type NetworkChoice =
  | { architecture: Architecture; activation: Activation; network?: undefined }
  | { network: Classifier; architecture?: undefined; activation?: undefined };

/** The classifier a choice names. */
export function classifierOf(choice: NetworkChoice): Classifier {
  return choice.network ?? mlpClassifier(choice.architecture, choice.activation);
}

export type TrainNetworkOptions = NetworkChoice & TrainingRun;

interface TrainingRun {
  data: ImageData;
  batchSize: number;
  steps: number;
  /** The optimizer that trains it (a θ-indexed family's, e.g. a learned optimizer at its θ). */
  optimizer: TensorOptimizer;
  /** Draws the initial network (first half) and the minibatch stream (second half). */
  key: Key;
  /** Steps between points of the curve; the curve always has step 0 and the last step. */
  evalEvery: number;
  /** Training records in the curve's and final training loss (default: all). */
  trainRecords?: number;
  /**
   * Receives the wall seconds of the training steps (minibatch, gradients, the optimizer's
   * update), added to `stepSeconds`, without the curve's evaluations: what an optimizer costs
   * per step. Apart from the result, which stays the same from run to run.
   */
  timing?: { stepSeconds: number };
  /**
   * The training and validation records already on the device, for many runs on one dataset
   * (see `evaluationSet`); built and disposed per call otherwise.
   */
  evaluation?: { train: EvaluationSet; validation: EvaluationSet };
}

export interface CurvePoint {
  step: number;
  /** Mean loss over (up to `trainRecords` of) the training set. */
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
}

export interface TrainNetworkResult {
  curve: CurvePoint[];
  final: CurvePoint;
  /** The step at which the training loss stopped being finite, if it did (training stops there). */
  divergedAt?: number;
}

/**
 * Trains one fresh network for `steps` steps with an optimizer and reports training and
 * validation figures over whole datasets along the way — how an optimizer is judged after
 * meta-training. Two calls with the same key see the same initial network and the same
 * minibatches, so optimizers compared on one key differ only by their updates.
 */
export function trainNetwork(options: TrainNetworkOptions): TrainNetworkResult {
  const { data, batchSize, steps, optimizer, evalEvery } = options;
  const network = classifierOf(options);
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(evalEvery) || evalEvery < 1)
    throw new RangeError(`evalEvery must be a positive integer, got ${evalEvery}`);
  const [initKey, dataKey] = split(options.key, 2) as [Key, Key];
  const features = data.train.features;
  const classes = data.train.classNames.length;
  let params = network.init(initKey);
  let state = optimizer.init(params);
  const curve: CurvePoint[] = [];
  const sets = options.evaluation ?? {
    train: evaluationSet(data.train, options.trainRecords),
    validation: evaluationSet(data.validation),
  };
  let divergedAt: number | undefined;
  try {
    const measure = (step: number) => {
      const train = evaluationFigures(params, sets.train, network);
      const validation = evaluationFigures(params, sets.validation, network);
      const point = {
        step,
        trainLoss: train.loss,
        valLoss: validation.loss,
        valAccuracy: validation.accuracy,
      };
      curve.push(point);
      return point;
    };
    measure(0);
    const x = new Float32Array(batchSize * features);
    const labels = new Int32Array(batchSize);
    for (let step = 1; step <= steps; step++) {
      const started = performance.now();
      fillBatch(data.train, sampleBatch(foldIn(dataKey, step), data.train, batchSize), x, labels);
      const next = tf.tidy(() => {
        const batch = toBatch(x, labels, features, classes);
        const { loss, grads } = network.lossAndGradients(params, batch);
        const update = optimizer.update(grads, state, params, step - 1);
        return { loss, params: applyTensorUpdates(params, update.updates), state: update.state };
      });
      tf.dispose([...params, ...state]);
      params = next.params;
      state = next.state;
      const finite = Number.isFinite(next.loss.dataSync()[0]);
      next.loss.dispose();
      if (options.timing) options.timing.stepSeconds += (performance.now() - started) / 1000;
      if (!finite) {
        divergedAt = step;
        measure(step);
        break;
      }
      if (step % evalEvery === 0 || step === steps) measure(step);
    }
  } finally {
    tf.dispose([...params, ...state]);
    // Sets built here are this call's to dispose; sets passed in belong to the caller.
    if (!options.evaluation) {
      sets.train.dispose();
      sets.validation.dispose();
    }
  }
  return { curve, final: curve.at(-1)!, ...(divergedAt !== undefined ? { divergedAt } : {}) };
}
