import { randomIntegers, uniform, type Key } from '@pes/core';

/** A data file or directory that cannot be used: missing, truncated, corrupt, foreign. */
export class DataError extends Error {
  override readonly name = 'DataError';
}

/**
 * Labelled images, pixels kept as bytes (0–255) so that CIFAR-10's 50,000 records take 150 MB,
 * not 600; batches are normalised as they are built.
 */
export interface ImageDataset {
  readonly name: string;
  /** count × features, row-major, 0–255. */
  readonly pixels: Uint8Array;
  /** count labels in 0 … classes − 1. */
  readonly labels: Uint8Array;
  /** Features per record (784 for MNIST, 3072 for CIFAR-10). */
  readonly features: number;
  readonly classNames: readonly string[];
  /** Per-channel mean and standard deviation of pixels scaled to [0, 1]. */
  readonly normalization: { mean: readonly number[]; std: readonly number[] };
  /** Features per channel (the channels are stored one after another, as in CIFAR-10's planes). */
  readonly channelSize: number;
}

/** A dataset split for meta-training: training records, held-out records, the test set if any. */
export interface ImageData {
  train: ImageDataset;
  validation: ImageDataset;
  test?: ImageDataset;
}

export function recordCount(dataset: ImageDataset): number {
  return dataset.labels.length;
}

/** The records at `indices`, as a new dataset. */
export function subset(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  name = dataset.name,
): ImageDataset {
  const f = dataset.features;
  const pixels = new Uint8Array(indices.length * f);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i]!;
    pixels.set(dataset.pixels.subarray(from * f, (from + 1) * f), i * f);
    labels[i] = dataset.labels[from]!;
  }
  return { ...dataset, name, pixels, labels };
}

/** A permutation of 0 … n − 1 drawn from a key (Fisher–Yates). */
export function permutation(key: Key, n: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const u = uniform(key, n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Holds out `validation` records of a training set, chosen by a key: the same key, the same split. */
export function splitTrainValidation(
  dataset: ImageDataset,
  validation: number,
  key: Key,
): { train: ImageDataset; validation: ImageDataset } {
  const n = recordCount(dataset);
  if (!Number.isInteger(validation) || validation < 1 || validation >= n) {
    throw new DataError(
      `validation split must hold between 1 and ${n - 1} records, got ${validation}`,
    );
  }
  const order = permutation(key, n);
  return {
    train: subset(dataset, order.subarray(validation), `${dataset.name} train`),
    validation: subset(dataset, order.subarray(0, validation), `${dataset.name} validation`),
  };
}

export function classCounts(dataset: ImageDataset): number[] {
  const counts = new Array<number>(dataset.classNames.length).fill(0);
  for (const label of dataset.labels) counts[label]!++;
  return counts;
}

/** Checks every label against the class count; names the first bad record. */
export function assertLabels(labels: Uint8Array, classes: number, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= classes) {
      throw new DataError(`${file}: record ${i} has label ${labels[i]}, outside 0–${classes - 1}`);
    }
  }
}

/** `batch` record indices drawn uniformly (with replacement) from a key. */
export function sampleBatch(key: Key, dataset: ImageDataset, batch: number): Int32Array {
  return randomIntegers(key, batch, recordCount(dataset));
}

/**
 * Writes the normalised features of `indices` into `out` (batch × features) and their labels
 * into `labelsOut`.
 */
export function fillBatch(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  out: Float32Array,
  labelsOut: Int32Array,
): void {
  const { features, channelSize, normalization } = dataset;
  const channels = features / channelSize;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = 1 / (255 * normalization.std[c]!);
    shift[c] = normalization.mean[c]! / normalization.std[c]!;
  }
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i]! * features;
    const to = i * features;
    for (let c = 0; c < channels; c++) {
      const a = scale[c]!;
      const b = shift[c]!;
      const start = c * channelSize;
      for (let j = start; j < start + channelSize; j++)
        out[to + j] = dataset.pixels[from + j]! * a - b;
    }
    labelsOut[i] = dataset.labels[indices[i]!]!;
  }
}

/**
 * The same data with its pixels and labels in SharedArrayBuffers: handed to worker threads, it
 * is shared, not copied, so a run's workers hold one copy of a dataset between them (CIFAR-10's
 * pixels are 150 MB).
 */
export function shareImageData(data: ImageData): ImageData {
  const share = (d: ImageDataset): ImageDataset => ({
    ...d,
    pixels: sharedCopy(d.pixels),
    labels: sharedCopy(d.labels),
  });
  return {
    train: share(data.train),
    validation: share(data.validation),
    ...(data.test ? { test: share(data.test) } : {}),
  };
}

function sharedCopy(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}
