import { DataError, type ImageData, type ImageDataset } from '../data/dataset.js';
import { vocabularyOf } from './char-lstm.js';

/**
 * A text as a dataset of next-character prediction, in the shape of the image datasets, so that
 * a character language model trains where an image classifier does (`trainNetwork`,
 * `compareOptimizers`): each record is `window` consecutive characters (their vocabulary
 * indices as the "pixels") and its label is the character after them. The normalisation is
 * chosen to be the identity (mean 0, std 1/255), so the network reads the indices unchanged.
 * The first `1 − validationFraction` of the positions train; the rest, later in the text, is
 * held out.
 */
export function charWindows(text: string, window: number, validationFraction = 0.1): ImageData {
  const { characters, index } = vocabularyOf(text);
  if (characters.length > 256)
    throw new DataError(`the text has ${characters.length} distinct characters; at most 256`);
  const codes = Uint8Array.from([...text], (ch) => index.get(ch)!);
  const positions = codes.length - window;
  const validation = Math.floor(positions * validationFraction);
  if (!Number.isInteger(window) || window < 1 || positions - validation < 1 || validation < 1)
    throw new DataError(
      `the text has ${codes.length} characters: too few for windows of ${window} and a held-out part`,
    );
  const split = (from: number, to: number, name: string): ImageDataset => {
    const count = to - from;
    const pixels = new Uint8Array(count * window);
    const labels = new Uint8Array(count);
    for (let r = 0; r < count; r++) {
      pixels.set(codes.subarray(from + r, from + r + window), r * window);
      labels[r] = codes[from + r + window]!;
    }
    return {
      name,
      pixels,
      labels,
      features: window,
      classNames: characters,
      normalization: { mean: [0], std: [1 / 255] },
      channelSize: window,
    };
  };
  const trainEnd = positions - validation;
  return {
    train: split(0, trainEnd, 'text'),
    validation: split(trainEnd, positions, 'text (held out)'),
  };
}
