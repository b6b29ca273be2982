import { makeKey, type Key } from '@pes/core';
import {
  DataError,
  recordCount,
  splitTrainValidation,
  type ImageData,
  type ImageDataset,
} from '../data/dataset.js';
import { loadCifar10 } from './cifar10.js';
import { loadEmbeddedMnist, loadMnistIdx } from './mnist.js';

export type DatasetName = 'mnist' | 'cifar10';

export interface LoadOptions {
  dataset: DatasetName;
  /** Directory of the official files; MNIST falls back to the 10,000 embedded digits without it. */
  dir?: string;
  /** Records held out of the training set (default: 2,000 of the embedded MNIST, 10,000 of
   * full MNIST as in the paper, 5,000 of CIFAR-10). */
  validation?: number;
  /** Chooses the held-out records. */
  key?: Key;
}

const SPLIT_KEY = makeKey(20210718);

/** Loads a dataset and splits a validation set off its training records, deterministically. */
export function loadImageData(options: LoadOptions): ImageData {
  let loaded: { train: ImageDataset; test?: ImageDataset };
  let validation: number;
  if (options.dataset === 'mnist') {
    loaded = options.dir ? loadMnistIdx(options.dir) : { train: loadEmbeddedMnist() };
    validation = options.validation ?? (options.dir ? 10_000 : 2_000);
  } else if (options.dataset === 'cifar10') {
    if (!options.dir)
      throw new DataError(
        'CIFAR-10 has no embedded copy: give the directory of its binary batches',
      );
    loaded = loadCifar10(options.dir);
    validation = options.validation ?? 5_000;
  } else {
    throw new DataError(
      `unknown dataset '${String(options.dataset)}'; known datasets: mnist, cifar10`,
    );
  }
  if (validation >= recordCount(loaded.train)) {
    throw new DataError(
      `cannot hold out ${validation} of ${recordCount(loaded.train)} training records`,
    );
  }
  const split = splitTrainValidation(loaded.train, validation, options.key ?? SPLIT_KEY);
  return loaded.test ? { ...split, test: loaded.test } : split;
}
