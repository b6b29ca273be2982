import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classCounts } from '../src/index.js';
import { loadCifar10, loadImageData, loadMnistIdx } from '../src/node/index.js';

// The real datasets of ../shared/data (its README gives these figures); skipped, visibly, where absent.
const shared = join(import.meta.dirname, '../../../../shared/data');
const hasShared =
  existsSync(join(shared, 'mnist')) && existsSync(join(shared, 'cifar-10-batches-bin'));

describe.skipIf(!hasShared)('real data in ../shared/data', () => {
  it('MNIST: 60,000 + 10,000 records, published class counts and first labels', () => {
    const { train, test } = loadMnistIdx(join(shared, 'mnist'));
    expect(train.labels.length).toBe(60_000);
    expect(test!.labels.length).toBe(10_000);
    expect(classCounts(train)).toEqual([
      5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]);
    expect(classCounts(test!)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  });

  it('MNIST: the paper’s 50,000 / 10,000 split of the training set', () => {
    const data = loadImageData({ dataset: 'mnist', dir: join(shared, 'mnist') });
    expect(data.train.labels.length).toBe(50_000);
    expect(data.validation.labels.length).toBe(10_000);
  });

  it('CIFAR-10: 50,000 training records, 5,000 a class, first labels and first pixel', () => {
    const { train } = loadCifar10(join(shared, 'cifar-10-batches-bin'));
    expect(train.labels.length).toBe(50_000);
    expect(classCounts(train)).toEqual(new Array(10).fill(5000));
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    // First pixel RGB (59, 62, 63): planes of 1024 bytes, R then G then B.
    expect([train.pixels[0], train.pixels[1024], train.pixels[2048]]).toEqual([59, 62, 63]);
    expect(train.classNames).toEqual([
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
    ]);
  });
});
