import type { ImageData, ImageDataset } from './dataset.js';

/**
 * The weights of an area resampling from `from` pixels to `to` along one axis: output pixel o
 * covers input pixels [o·from/to, (o+1)·from/to), each input pixel weighted by the length of it
 * inside (28 → 8 gives each output 3.5 input pixels). Each row sums to 1.
 */
function areaWeights(from: number, to: number): { start: number; weights: number[] }[] {
  const ratio = from / to;
  return Array.from({ length: to }, (_, o) => {
    const lo = o * ratio;
    const hi = (o + 1) * ratio;
    const start = Math.floor(lo);
    const weights: number[] = [];
    for (let i = start; i < Math.min(from, Math.ceil(hi)); i++)
      weights.push((Math.min(hi, i + 1) - Math.max(lo, i)) / ratio);
    return { start, weights };
  });
}

/**
 * A dataset in grey at `size`×`size`: the mean of its channels, area-averaged down, rounded to
 * bytes (as the small grey tasks of learned-optimizer meta-training: Celo's 8×8 MNIST and grey
 * CIFAR-10). Cheap problems make more meta-training steps per second, and the learned optimizer
 * sees only normalised features, so it does not depend on the resolution it trained at. The
 * normalisation is the new pixels' own mean and standard deviation.
 */
export function greyDownsample(dataset: ImageDataset, size: number): ImageDataset {
  const side = Math.round(Math.sqrt(dataset.channelSize));
  if (side * side !== dataset.channelSize)
    throw new RangeError(`${dataset.name}: images are not square (${dataset.channelSize} pixels)`);
  if (!Number.isInteger(size) || size < 1 || size > side)
    throw new RangeError(`${dataset.name}: cannot downsample ${side}×${side} to ${size}×${size}`);
  const channels = dataset.features / dataset.channelSize;
  const count = dataset.labels.length;
  const axis = areaWeights(side, size);
  const pixels = new Uint8Array(count * size * size);
  const grey = new Float64Array(side * side);
  let sum = 0;
  let sumSquares = 0;
  for (let r = 0; r < count; r++) {
    const record = dataset.pixels.subarray(r * dataset.features, (r + 1) * dataset.features);
    grey.fill(0);
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < side * side; i++) grey[i]! += record[c * side * side + i]! / channels;
    for (let y = 0; y < size; y++) {
      const rows = axis[y]!;
      for (let x = 0; x < size; x++) {
        const cols = axis[x]!;
        let v = 0;
        rows.weights.forEach((wy, dy) =>
          cols.weights.forEach((wx, dx) => {
            v += wy * wx * grey[(rows.start + dy) * side + cols.start + dx]!;
          }),
        );
        const byte = Math.min(255, Math.round(v));
        pixels[r * size * size + y * size + x] = byte;
        sum += byte / 255;
        sumSquares += (byte / 255) * (byte / 255);
      }
    }
  }
  const n = count * size * size;
  const mean = sum / n;
  const std = Math.sqrt(Math.max(1e-12, sumSquares / n - mean * mean));
  return {
    ...dataset,
    name: `${dataset.name} grey ${size}×${size}`,
    pixels,
    features: size * size,
    channelSize: size * size,
    normalization: { mean: [mean], std: [std] },
  };
}

/**
 * Every split of `data`, in grey at `size`×`size` (greyDownsample), each normalised as the
 * training records are.
 */
export function greyDownsampleData(data: ImageData, size: number): ImageData {
  const train = greyDownsample(data.train, size);
  const { normalization } = train;
  return {
    train,
    validation: { ...greyDownsample(data.validation, size), normalization },
    ...(data.test ? { test: { ...greyDownsample(data.test, size), normalization } } : {}),
  };
}
