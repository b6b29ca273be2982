import { existsSync, statSync } from 'node:fs';
import { readDataFile } from './read-data-file.js';
import { join } from 'node:path';
import { assertLabels, DataError, type ImageDataset } from '../data/dataset.js';

const FEATURES = 3072;
const RECORD = 1 + FEATURES;
const DEFAULT_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
/** Per-channel statistics of the CIFAR-10 training set (pixels in [0, 1]). */
export const CIFAR10_NORMALIZATION = {
  mean: [0.4914, 0.4822, 0.4465],
  std: [0.247, 0.2435, 0.2616],
} as const;

function parseBatch(file: string): { pixels: Uint8Array; labels: Uint8Array } {
  const bytes = readDataFile(file);
  if (bytes.length % RECORD !== 0) {
    throw new DataError(
      `${file} is not a whole number of 3073-byte CIFAR-10 records: ${bytes.length % RECORD} bytes left over after ${Math.floor(bytes.length / RECORD)} records`,
    );
  }
  const count = bytes.length / RECORD;
  const pixels = new Uint8Array(count * FEATURES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = bytes[i * RECORD]!;
    pixels.set(bytes.subarray(i * RECORD + 1, (i + 1) * RECORD), i * FEATURES);
  }
  assertLabels(labels, 10, file);
  return { pixels, labels };
}

function dataset(
  name: string,
  parts: { pixels: Uint8Array; labels: Uint8Array }[],
  classNames: string[],
): ImageDataset {
  const count = parts.reduce((n, p) => n + p.labels.length, 0);
  const pixels = new Uint8Array(count * FEATURES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    pixels.set(p.pixels, at * FEATURES);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return {
    name,
    pixels,
    labels,
    features: FEATURES,
    channelSize: 1024,
    classNames,
    normalization: CIFAR10_NORMALIZATION,
  };
}

/**
 * CIFAR-10 from the official binary files in `dir`: data_batch_1 … data_batch_5.bin (all five
 * required), test_batch.bin when present, class names from batches.meta.txt when present.
 */
export function loadCifar10(dir: string): { train: ImageDataset; test?: ImageDataset } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataError(
      `CIFAR-10 directory ${dir} does not exist; expected data_batch_1.bin … data_batch_5.bin`,
    );
  }
  const batches = [1, 2, 3, 4, 5].map((i) => join(dir, `data_batch_${i}.bin`));
  const missing = batches.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new DataError(
      `${dir} is missing ${missing.map((f) => f.slice(dir.length + 1)).join(', ')}: expected the official CIFAR-10 binary batches`,
    );
  }
  const metaFile = join(dir, 'batches.meta.txt');
  let classNames = DEFAULT_CLASSES;
  if (existsSync(metaFile)) {
    const names = readDataFile(metaFile)
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (names.length !== 10)
      throw new DataError(`${metaFile} names ${names.length} classes, expected 10`);
    classNames = names;
  }
  const train = dataset('cifar10 train', batches.map(parseBatch), classNames);
  const testFile = join(dir, 'test_batch.bin');
  return existsSync(testFile)
    ? { train, test: dataset('cifar10 test', [parseBatch(testFile)], classNames) }
    : { train };
}
