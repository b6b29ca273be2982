import type { ImageData, ImageDataset } from '@pes/inner-problems';

/** The digits the MNIST panel trains on, served beside the page (public/). */
export const MNIST_ASSET = 'mnist-digits.bin';

/** What the asset's header says of its records; the rest of a dataset is bytes. */
interface DigitsHeader {
  name: string;
  train: number;
  validation: number;
  features: number;
  channelSize: number;
  classNames: readonly string[];
  normalization: { mean: readonly number[]; std: readonly number[] };
}

/**
 * One file for a train and a validation set: a little-endian uint32 with the length of a JSON
 * header, the header (counts, features, class names, normalisation), then every label (train
 * first), then every pixel byte (train first). The header carries the normalisation so that
 * the page needs nothing from the Node-only loader that made the file.
 */
export function encodeDigits(data: ImageData): Uint8Array {
  const { train, validation } = data;
  const header: DigitsHeader = {
    name: train.name,
    train: train.labels.length,
    validation: validation.labels.length,
    features: train.features,
    channelSize: train.channelSize,
    classNames: train.classNames,
    normalization: train.normalization,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(
    4 +
      json.length +
      header.train +
      header.validation +
      train.pixels.length +
      validation.pixels.length,
  );
  new DataView(out.buffer).setUint32(0, json.length, true);
  let at = 4;
  for (const part of [json, train.labels, validation.labels, train.pixels, validation.pixels]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The inverse of `encodeDigits`; a gzip stream (its magic bytes 1f 8b) is inflated first. */
export async function decodeDigits(bytes: Uint8Array): Promise<ImageData> {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzip(bytes) : bytes;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const length = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(raw.subarray(4, 4 + length))) as DigitsHeader;
  const { train, validation, features } = header;
  const expected = 4 + length + (train + validation) * (1 + features);
  if (raw.length !== expected)
    throw new RangeError(`${MNIST_ASSET} is ${raw.length} bytes, its header says ${expected}`);
  const labelsAt = 4 + length;
  const pixelsAt = labelsAt + train + validation;
  const dataset = (name: string, labels: Uint8Array, pixels: Uint8Array): ImageDataset => ({
    name,
    labels,
    pixels,
    features,
    channelSize: header.channelSize,
    classNames: header.classNames,
    normalization: header.normalization,
  });
  return {
    train: dataset(
      `${header.name} (${train})`,
      raw.slice(labelsAt, labelsAt + train),
      raw.slice(pixelsAt, pixelsAt + train * features),
    ),
    validation: dataset(
      `${header.name} validation (${validation})`,
      raw.slice(labelsAt + train, pixelsAt),
      raw.slice(pixelsAt + train * features, expected),
    ),
  };
}

/** Browsers and Node ≥ 18 both have DecompressionStream. */
async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
