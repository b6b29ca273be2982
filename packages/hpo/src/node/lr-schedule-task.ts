import type { RunDefaults, TaskOptions, TaskSpec } from '@pes/core';
import {
  imageClassificationTask,
  learningRateRule,
  momentumTensor,
  parseArchitecture,
  type Activation,
  type ImageClassificationTask,
  type Objective,
} from '@pes/inner-problems';
import { loadImageData, type DatasetName } from '@pes/inner-problems/node';
import { findSchedule } from '../schedule-registry.js';

/** Inner momentum of the paper's MNIST runs (PAPER.md c). */
const INNER_MOMENTUM = 0.9;
const DEFAULT_KNOTS = 4;

function checked<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new RangeError(`unknown ${what} '${value}'; known: ${allowed.join(', ')}`);
  return value as T;
}

/**
 * The HPO task of the paper: the particle-batched MLP task where particle p's learning rate
 * at inner step t is schedule(θ_p, t), inner SGD with momentum 0.9.
 */
export function lrScheduleTask(options: TaskOptions & { name?: string }): ImageClassificationTask {
  const entry = findSchedule(options.schedule ?? 'inverse-time-decay');
  const horizon = options.horizon ?? 5000;
  const knots = options.initialTheta?.length ?? DEFAULT_KNOTS;
  const initialTheta = options.initialTheta ?? entry.initialTheta(knots);
  const schedule = entry.create(horizon);
  if (schedule.dim !== undefined && initialTheta.length !== schedule.dim) {
    throw new RangeError(
      `schedule ${entry.name} takes θ of length ${schedule.dim}, got ${initialTheta.length} numbers`,
    );
  }
  if (schedule.dim === undefined && initialTheta.length < 2) {
    throw new RangeError(
      `schedule ${entry.name} takes θ of length ≥ 2 (one per knot), got ${initialTheta.length}`,
    );
  }
  const dataset = checked<DatasetName>('dataset', options.dataset ?? 'mnist', ['mnist', 'cifar10']);
  const data = loadImageData({ dataset, ...(options.dataDir ? { dir: options.dataDir } : {}) });
  return imageClassificationTask({
    name: options.name ?? 'mnist-lr-schedule',
    data,
    architecture: parseArchitecture(options.arch ?? `${data.train.features}-100-100-10`),
    activation: checked<Activation>('activation', options.activation ?? 'relu', [
      'relu',
      'tanh',
      'sigmoid',
    ]),
    batchSize: options.batchSize ?? 100,
    horizon,
    rule: learningRateRule({
      name: `momentum SGD with the ${entry.name} schedule`,
      optimizer: momentumTensor(INNER_MOMENTUM),
      dim: initialTheta.length,
      initialTheta,
      rate: (theta, t) => schedule.rate(theta, t),
    }),
    objective: checked<Objective>('objective', options.objective ?? 'train-loss', [
      'train-loss',
      'val-loss',
      'val-accuracy',
    ]),
  });
}

const defaults: RunDefaults = {
  estimator: 'pes',
  dataset: 'mnist',
  batchSize: 100,
  activation: 'relu',
  objective: 'train-loss',
  schedule: 'inverse-time-decay',
  horizon: 5000,
  unrollLength: 10,
  particles: 8,
  sigma: 0.1,
  antithetic: true,
  stagger: true,
  fitnessShaping: false,
  outerOptimizer: 'adam',
  outerLr: 1e-2,
  adamB1: 0.9,
  adamB2: 0.999,
  momentum: 0.9,
  clipNorm: 0,
  iterations: 500,
  evalEvery: 250,
  checkpointEvery: 25,
  seed: 0,
};

/**
 * `mnist-lr-schedule`: the paper's settings (T = 5000, K = 10, σ = 0.1, Adam 1e-2, θ from
 * (log 0.003, log 30)) with N = 8 particles and 500 iterations instead of N = 1000 and 5000
 * iterations, which a 2-core machine cannot afford.
 */
export const mnistLrScheduleTaskSpec: TaskSpec = {
  name: 'mnist-lr-schedule',
  description: 'learning-rate schedule of momentum SGD training an MNIST MLP (paper section c)',
  defaults,
  options: [
    'dataset',
    'dataDir',
    'arch',
    'batchSize',
    'activation',
    'objective',
    'schedule',
    'initialTheta',
  ],
  usesTensors: true,
  create: (options) => lrScheduleTask(options),
  searchSpace(options) {
    const entry = findSchedule(options.schedule ?? 'inverse-time-decay');
    return entry.searchSpace(options.initialTheta?.length ?? DEFAULT_KNOTS);
  },
  describeTheta(theta, options) {
    const horizon = options.horizon ?? 5000;
    const schedule = findSchedule(options.schedule ?? 'inverse-time-decay').create(horizon);
    const at = [0, Math.round(horizon / 10), Math.round(horizon / 2), horizon];
    return `learning rate ${at.map((t) => `${schedule.rate(theta, t).toPrecision(3)} at t = ${t}`).join(', ')}`;
  },
};
