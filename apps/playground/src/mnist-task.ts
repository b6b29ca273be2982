import { findSchedule, type Schedule } from '@pes/hpo';
import {
  imageClassificationTask,
  learningRateRule,
  momentumTensor,
  parseArchitecture,
  type Formulation,
  type ImageClassificationTask,
  type ImageData,
} from '@pes/inner-problems';

/** Inner momentum of the paper's MNIST runs, as `lrScheduleTask` (packages/hpo) uses it. */
const INNER_MOMENTUM = 0.9;

/** The MNIST learning-rate-schedule task at the page's scale. */
export interface MnistPageOptions {
  arch: string;
  horizon: number;
  batchSize: number;
  schedule: string;
  formulation: Formulation;
}

export const MNIST_PAGE_OPTIONS: MnistPageOptions = {
  arch: '784-32-10',
  horizon: 300,
  batchSize: 50,
  schedule: 'inverse-time-decay',
  formulation: 'auto',
};

/**
 * `mnist-lr-schedule` (packages/hpo's `lrScheduleTask`) built from digits in memory: particle
 * p's network steps with momentum SGD at learning rate schedule(θ_p, t). The hpo package
 * exports that task only from '@pes/hpo/node', whose module also imports the file loaders
 * (node:fs), so the page composes the same browser-safe parts here.
 */
export function mnistScheduleTask(
  data: ImageData,
  options: MnistPageOptions = MNIST_PAGE_OPTIONS,
): { task: ImageClassificationTask; schedule: Schedule } {
  const entry = findSchedule(options.schedule);
  const schedule = entry.create(options.horizon);
  const initialTheta = entry.initialTheta(4);
  const task = imageClassificationTask({
    name: 'mnist-lr-schedule',
    data,
    architecture: parseArchitecture(options.arch),
    activation: 'relu',
    batchSize: options.batchSize,
    horizon: options.horizon,
    rule: learningRateRule({
      name: `momentum SGD with the ${entry.name} schedule`,
      optimizer: momentumTensor(INNER_MOMENTUM),
      dim: initialTheta.length,
      initialTheta,
      rate: (theta, t) => schedule.rate(theta, t),
    }),
    objective: 'train-loss',
    formulation: options.formulation,
  });
  return { task, schedule };
}
