import {
  imageClassificationTask,
  learningRateRule,
  momentumTensor,
  parseArchitecture,
  type Activation,
  type ImageClassificationTask,
  type ImageData,
  type ImageTaskOptions,
  type Objective,
} from '@pes/inner-problems';
import { DEFAULT_KNOTS, findSchedule } from './schedule-registry.js';

/** Inner momentum of the paper's MNIST runs (docs/paper.md c). */
const INNER_MOMENTUM = 0.9;

/**
 * The task's settings (`--schedule`, `--initial-theta` and the image task's), less where its
 * data comes from: `lrScheduleTaskFromData` is given the data.
 */
export type LrScheduleTaskOptions = Omit<ImageTaskOptions, 'dataset' | 'dataDir'> & {
  schedule?: string;
  initialTheta?: number[];
  name?: string;
};

function checked<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new RangeError(`unknown ${what} '${value}'; known: ${allowed.join(', ')}`);
  return value as T;
}

/**
 * The HPO task of the paper on digits in memory: the particle-batched MLP task where particle
 * p's learning rate at inner step t is schedule(θ_p, t), inner SGD with momentum 0.9. It reads
 * no file, so a browser builds it too; '@pes/hpo/node' loads the data and calls it.
 */
export function lrScheduleTaskFromData(
  options: LrScheduleTaskOptions,
  data: ImageData,
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
