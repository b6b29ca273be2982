import { subset, type ImageData } from '@pes/inner-problems';
import { loadImageData } from '@pes/inner-problems/node';

/** Digits the page trains on and validates with: the first of each set of the embedded split. */
export const PAGE_TRAIN = 2000;
export const PAGE_VALIDATION = 500;

/** The page's digits, from the embedded MNIST split `pes meta-train` uses (already shuffled). */
export function pageDigits(): ImageData {
  const { train, validation } = loadImageData({ dataset: 'mnist' });
  const first = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  return {
    train: subset(train, first(PAGE_TRAIN)),
    validation: subset(validation, first(PAGE_VALIDATION)),
  };
}
