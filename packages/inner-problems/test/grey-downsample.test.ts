import { describe, expect, it } from 'vitest';
import { greyDownsample, greyDownsampleData, type ImageDataset } from '../src/index.js';
import { loadEmbeddedMnist } from '../src/node/index.js';

/** A dataset of `count` square images of `side`×`side` in `channels` planes, pixel by `fill`. */
function images(
  side: number,
  channels: number,
  count: number,
  fill: (record: number, channel: number, y: number, x: number) => number,
): ImageDataset {
  const channelSize = side * side;
  const pixels = new Uint8Array(count * channels * channelSize);
  for (let r = 0; r < count; r++)
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++)
          pixels[r * channels * channelSize + c * channelSize + y * side + x] = fill(r, c, y, x);
  return {
    name: 'test',
    pixels,
    labels: new Uint8Array(count),
    features: channels * channelSize,
    classNames: ['a', 'b'],
    normalization: { mean: Array(channels).fill(0.5), std: Array(channels).fill(0.25) },
    channelSize,
  };
}

describe('grey downsampling', () => {
  it('averages whole blocks: 4×4 to 2×2 is the mean of each 2×2 block', () => {
    const d = greyDownsample(
      images(4, 1, 1, (_, __, y, x) => 10 * y + x),
      2,
    );
    // Blocks {0,1,10,11}, {2,3,12,13}, {20,21,30,31}, {22,23,32,33}: means 5.5, 7.5, 25.5, 27.5,
    // rounded half up.
    expect([...d.pixels]).toEqual([6, 8, 26, 28]);
    expect(d.features).toBe(4);
    expect(d.channelSize).toBe(4);
  });

  it('weights pixels cut by a block edge by the part inside: 28×28 to 8×8 keeps a constant image', () => {
    const d = greyDownsample(
      images(28, 1, 2, (r) => (r === 0 ? 200 : 17)),
      8,
    );
    expect(d.pixels.subarray(0, 64).every((v) => v === 200)).toBe(true);
    expect(d.pixels.subarray(64).every((v) => v === 17)).toBe(true);
    // A left half of 255 and a right half of 0: 8 columns of 3.5 pixels each, 4 on each side.
    const half = greyDownsample(
      images(28, 1, 1, (_, __, ___, x) => (x < 14 ? 255 : 0)),
      8,
    );
    expect([...half.pixels.subarray(0, 8)]).toEqual([255, 255, 255, 255, 0, 0, 0, 0]);
  });

  it('makes colour grey: the mean of the planes', () => {
    const d = greyDownsample(
      images(2, 3, 1, (_, c) => [30, 60, 90][c]!),
      1,
    );
    expect([...d.pixels]).toEqual([60]);
    expect(d.features).toBe(1);
  });

  it('normalises every split by the training records’ grey mean and spread', () => {
    const train = images(4, 1, 2, (r) => (r === 0 ? 0 : 255));
    const validation = images(4, 1, 1, () => 51);
    const data = greyDownsampleData({ train, validation }, 2);
    expect(data.train.normalization.mean[0]).toBeCloseTo(0.5, 12);
    expect(data.train.normalization.std[0]).toBeCloseTo(0.5, 12);
    expect(data.validation.normalization).toBe(data.train.normalization);
  });

  it('refuses a size it cannot reach, in one line', () => {
    const d = images(4, 1, 1, () => 0);
    expect(() => greyDownsample(d, 5)).toThrow('cannot downsample 4×4 to 5×5');
    expect(() => greyDownsample(d, 0)).toThrow(RangeError);
  });

  it('takes real MNIST to 8×8 grey digits of 64 features', () => {
    const train = loadEmbeddedMnist();
    const d = greyDownsample(train, 8);
    expect(d.features).toBe(64);
    expect(d.pixels.length).toBe(64 * train.labels.length);
    // Digits stay in the middle: the corners are background, the centre is not.
    const mean = (i: number) =>
      d.pixels.filter((_, k) => k % 64 === i).reduce((a, b) => a + b, 0) / train.labels.length;
    expect(mean(0)).toBe(0);
    expect(mean(3 * 8 + 3)).toBeGreaterThan(50);
  });
});
