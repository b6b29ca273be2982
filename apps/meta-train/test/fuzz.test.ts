import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';
import { fieldSchemas } from '@pes/runner/node';

// Enough cases to cover every branch of the parsers several times, few enough for a second or two.
const RUNS = 60;
const SEED = 14;

/** Whatever `pes` said: success, or one line starting `pes:` and exit 2; never anything else. */
function expectOneLineOrSuccess({ status, err }: { status: number; err: string[] }): void {
  if (status === 0) return;
  expect(err).toHaveLength(1);
  expect(err[0]!.split('\n')).toHaveLength(1);
  expect(err[0]).toMatch(/^pes: /);
  expect(status).toBe(2);
}

const fields = Object.keys(fieldSchemas());
/** A settings object built of real field names (and some others) with any values. */
const settings = fc.dictionary(
  fc.oneof(fc.constantFrom(...fields), fc.string()),
  fc.oneof(
    fc.jsonValue(),
    fc.double(),
    fc.constantFrom('quadratic', 'pes', 'mnist-mlp', 'adam', Infinity, -0, 2 ** 53),
  ),
);

describe('config files, fuzzed: every one a run or one line', () => {
  const dir = temporaryDirectory('pes-fuzz-config-');
  let n = 0;
  const check = async (name: string, contents: string | Uint8Array) => {
    const file = join(dir, `${n++}-${name}`);
    writeFileSync(file, contents);
    expectOneLineOrSuccess(
      await pes('meta-train', '--task', 'quadratic', '--config', file, '--print-config'),
    );
  };

  it('JSON of real and made-up settings with any values', async () => {
    await fc.assert(
      fc.asyncProperty(settings, async (value) => check('c.json', JSON.stringify(value))),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('the same as YAML, and arbitrary text as YAML', async () => {
    const { stringify } = await import('yaml');
    await fc.assert(
      fc.asyncProperty(settings, async (value) => check('c.yaml', stringify(value))),
      { numRuns: RUNS, seed: SEED },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => check('t.yaml', text)),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('arbitrary bytes as JSON and as YAML', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, json) =>
        check(json ? 'b.json' : 'b.yaml', bytes),
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

/** An IDX file's header (magic, then dimensions) as the MNIST loader reads it. */
function idx(magic: number, dims: number[], body: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d >>> 0, 4 + 4 * i));
  return Buffer.concat([header, body]);
}

describe('data files, fuzzed: every one loaded or one line', () => {
  const root = temporaryDirectory('pes-fuzz-data-');
  let n = 0;
  const dimension = fc.oneof(
    fc.integer({ min: 0, max: 40 }),
    fc.constantFrom(28, 2 ** 31, 2 ** 32 - 1),
  );

  it('MNIST IDX files: right or wrong magic, any dimensions, any bytes, gzipped or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0x803, 0x801, 0x1f8b, 0),
        fc.array(dimension, { minLength: 0, maxLength: 4 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.constantFrom(0x801, 0x803),
        fc.array(dimension, { minLength: 0, maxLength: 2 }),
        fc.uint8Array({ maxLength: 50 }),
        fc.boolean(),
        async (imageMagic, imageDims, imageBody, labelMagic, labelDims, labelBody, gzip) => {
          const dir = join(root, String(n++));
          mkdirSync(dir);
          const write = (name: string, bytes: Uint8Array) =>
            gzip
              ? writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes))
              : writeFileSync(join(dir, name), bytes);
          write('train-images-idx3-ubyte', idx(imageMagic, imageDims, imageBody));
          write('train-labels-idx1-ubyte', idx(labelMagic, labelDims, labelBody));
          expectOneLineOrSuccess(await pes('data', 'info', '--dataset', 'mnist', '--dir', dir));
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('CIFAR-10 binary batches of any length and bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 3 * 3073 }), { minLength: 5, maxLength: 5 }),
        async (batches) => {
          const dir = join(root, String(n++));
          mkdirSync(dir);
          batches.forEach((bytes, i) => writeFileSync(join(dir, `data_batch_${i + 1}.bin`), bytes));
          expectOneLineOrSuccess(await pes('data', 'info', '--dataset', 'cifar10', '--dir', dir));
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
