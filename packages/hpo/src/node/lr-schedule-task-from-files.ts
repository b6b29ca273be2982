import type { ImageClassificationTask, ImageData } from '@pes/inner-problems';
import { loadImageData, type DatasetName } from '@pes/inner-problems/node';
import { lrScheduleTaskFromData } from '../lr-schedule-task.js';
import type { LrScheduleOptions } from './lr-schedule-options.js';

const DATASETS: readonly DatasetName[] = ['mnist', 'cifar10'];

/**
 * The HPO task of the paper (`lrScheduleTaskFromData`) on a dataset read from files: the
 * embedded MNIST digits, or the official files in `dataDir`.
 */
export function lrScheduleTask(
  options: LrScheduleOptions & { name?: string },
  /** Data the run's threads share; loaded here when absent. */
  shared?: ImageData,
): ImageClassificationTask {
  const { dataset = 'mnist', dataDir, ...rest } = options;
  if (!DATASETS.includes(dataset))
    throw new RangeError(`unknown dataset '${dataset}'; known: ${DATASETS.join(', ')}`);
  return lrScheduleTaskFromData(
    rest,
    shared ?? loadImageData({ dataset, ...(dataDir ? { dir: dataDir } : {}) }),
  );
}
