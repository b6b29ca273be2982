import {
  imageClassificationTask,
  learningRateRule,
  momentumTensor,
  parseArchitecture,
  type Activation,
  type ImageClassificationTask,
  type ImageData,
  type Objective,
} from '@pes/inner-problems';
import { loadImageData, type DatasetName } from '@pes/inner-problems/node';
import { findSchedule } from '../schedule-registry.js';
import type { LrScheduleOptions } from './lr-schedule-spec.js';
import { DEFAULT_KNOTS } from './lr-schedule-spec.js';

/** Inner momentum of the paper's MNIST runs (docs/paper.md c). */
const INNER_MOMENTUM = 0.9;

function checked<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new RangeError(`unknown ${what} '${value}'; known: ${allowed.join(', ')}`);
  return value as T;
}

/**
 * The HPO task of the paper: the particle-batched MLP task where particle p's learning rate
 * at inner step t is schedule(θ_p, t), inner SGD with momentum 0.9.
 */
export function lrScheduleTask(
  options: LrScheduleOptions & { name?: string },
  /** Data the run's threads share; loaded here when absent. */
  shared?: ImageData,
): ImageClassificationTask {
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
  const data =
    shared ?? loadImageData({ dataset, ...(options.dataDir ? { dir: options.dataDir } : {}) });
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
    ...(options.formulation ? { formulation: options.formulation } : {}),
  });
}
