import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadImageData } from '@pes/inner-problems/node';
import type { ImageDataset } from '@pes/inner-problems';
import { writeModelFiles } from '@pes/hpo/node';
import { UsageError } from '@pes/runner/node';

/** The Python scripts of tools/bench, beside this package in the repository. */
export const BENCH = new URL('../../../tools/bench/', import.meta.url).pathname;

/**
 * A problem of the comparison: a saved tfjs-layers model and two CSV files, as `pes tune` takes
 * them, and how one training run of it goes.
 */
export interface TuningProblem {
  name: string;
  description: string;
  /** tools/bench/tune_optuna.py's --model: the same architecture, built in JAX. */
  kind: 'mlp' | 'conv';
  model: string;
  train: string;
  validation: string;
  label: string;
  horizon: number;
  batchSize: number;
  /** PES iterations: iterations × particles × unroll inner steps is every method's budget. */
  iterations: number;
}

/** Saves `model` as model.save('file://DIR') would, and frees it. */
async function saveModel(dir: string, model: tf.LayersModel): Promise<string> {
  const path = await writeModelFiles(dir, model);
  model.dispose();
  return path;
}

/**
 * The Wisconsin breast-cancer table (real, 569 × 30, two classes), written by
 * tools/bench/tune_comparison_data.py from scikit-learn's copy, and a 30-32-2 MLP.
 */
export async function tabularProblem(root: string, python: string): Promise<TuningProblem> {
  const dir = join(root, 'tabular');
  mkdirSync(dir, { recursive: true });
  const made = spawnSync(python, [join(BENCH, 'tune_comparison_data.py'), '--out', dir], {
    encoding: 'utf8',
  });
  if (made.status !== 0)
    throw new UsageError(
      `${python} could not write the tabular data: ${made.stderr.trim().split('\n').at(-1)}`,
    );
  const mlp = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [30], units: 32, activation: 'relu' }),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  return {
    name: 'tabular',
    description: 'breast-cancer table (400 / 169 records, 30 features), a 30-32-2 MLP',
    kind: 'mlp',
    model: await saveModel(dir, mlp),
    train: join(dir, 'train.csv'),
    validation: join(dir, 'validation.csv'),
    label: 'diagnosis',
    horizon: 300,
    batchSize: 32,
    iterations: 60,
  };
}

/** `count` records of an image set as CSV: 784 pixels in [0, 1], then the label. */
function imagesCsv(file: string, set: ImageDataset, count: number): void {
  const lines = [[...Array.from({ length: set.features }, (_, i) => `p${i}`), 'label'].join(',')];
  for (let r = 0; r < count; r++) {
    const pixels = set.pixels.subarray(r * set.features, (r + 1) * set.features);
    lines.push(
      `${Array.from(pixels, (p) => (p === 0 ? '0' : (p / 255).toFixed(4))).join(',')},${set.labels[r]}`,
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The comparison's conv net: 8 filters 5×5 with stride 2 on 28×28 digits, then dense 10. */
export function comparisonConvNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 5,
        strides: 2,
        activation: 'relu',
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** The embedded MNIST digits (5,000 to train on, 1,000 to validate), and the conv net. */
export async function mnistConvProblem(root: string): Promise<TuningProblem> {
  const dir = join(root, 'mnist-conv');
  mkdirSync(dir, { recursive: true });
  const images = loadImageData({ dataset: 'mnist' });
  imagesCsv(join(dir, 'train.csv'), images.train, 5000);
  imagesCsv(join(dir, 'validation.csv'), images.validation, 1000);
  return {
    name: 'mnist-conv',
    description: 'MNIST (5,000 / 1,000 digits), conv 8@5×5 stride 2, then dense 10',
    kind: 'conv',
    model: await saveModel(dir, comparisonConvNet()),
    train: join(dir, 'train.csv'),
    validation: join(dir, 'validation.csv'),
    label: 'label',
    horizon: 200,
    batchSize: 32,
    iterations: 40,
  };
}
