import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeKey, resolveTaskOptions } from '@pes/core';
import { loadImageData } from '@pes/inner-problems/node';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  modelTuningTaskFromFiles,
  searchBox,
  modelTuningTaskSpec,
  readTuningInputs,
  type ResolvedModelTuningOptions,
} from '../src/node/index.js';

// `model-tuning`'s files: a saved model's topology, CSV tables, the built-in datasets, and the
// search space, checked against each other.

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

const dir = mkdtempSync(join(tmpdir(), 'pes-model-tuning-'));

/** Saves `model` as model.save('file://…') would (model.json only: its topology is read). */
async function saveModel(name: string, model: tf.LayersModel): Promise<string> {
  const path = join(dir, name);
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(path, JSON.stringify({ modelTopology: a.modelTopology }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return path;
}

const dense = (inputs: number, units: number, activation: 'softmax' | 'sigmoid' | 'linear') =>
  tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [inputs], units: 8, activation: 'relu' }),
      tf.layers.dense({ units, activation }),
    ],
  });

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const space = file('space.yaml', 'learningRate: { range: [0.001, 1], log: true }\n');

const options = (given: Partial<ResolvedModelTuningOptions>) =>
  resolveTaskOptions(modelTuningTaskSpec, {
    hyperparameters: space,
    horizon: 20,
    ...given,
  }) as ResolvedModelTuningOptions;

describe('model-tuning inputs', () => {
  it('reads string classes in sorted order, one-hot, and frees every tensor it made', async () => {
    const model = await saveModel('three.json', dense(2, 3, 'softmax'));
    const csv = file('classes.csv', 'x,kind,y\n1,b,2\n3,a,4\n5,c,6\n7,a,8\n');
    const before = tf.memory().numTensors;
    const inputs = await readTuningInputs(
      options({ model, train: csv, validation: csv, label: 'kind' }),
    );
    expect(inputs.loss).toBe('categoricalCrossentropy');
    expect(inputs.classes).toEqual(['a', 'b', 'c']);
    expect(await inputs.data.x.array()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    expect(await inputs.data.y.array()).toEqual([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]);
    inputs.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('picks binary cross-entropy for 0/1 labels and squared error for numbers, with one output unit', async () => {
    const model = await saveModel('one.json', dense(2, 1, 'sigmoid'));
    const binary = file('binary.csv', 'x,y,label\n1,2,0\n3,4,1\n');
    const real = file('real.csv', 'x,y,label\n1,2,0.5\n3,4,-2\n');
    for (const [csv, loss] of [
      [binary, 'binaryCrossentropy'],
      [real, 'meanSquaredError'],
    ]) {
      const inputs = await readTuningInputs(options({ model, train: csv, validation: csv }));
      expect(inputs.loss).toBe(loss);
      expect(inputs.data.y.shape).toEqual([2, 1]);
      inputs.dispose();
    }
  });

  it('refuses each mismatch in one line naming the file', async () => {
    const model = await saveModel('four.json', dense(4, 3, 'softmax'));
    const good = file('good.csv', 'a,b,c,d,label\n1,2,3,4,0\n');
    const cases: [Partial<ResolvedModelTuningOptions>, RegExp][] = [
      [{ model: file('empty.json', '{}') }, /not a tfjs-layers model.json \(no modelTopology/],
      [{ model: file('text.json', 'not json') }, /^--model \S+: not JSON/],
      [{ train: file('short.csv', 'a,b,label\n1,2,0\n'), validation: join(dir, 'short.csv') }, /2 feature columns \(a, b\), but the model's input takes 4 values/],
      [{ train: file('word.csv', 'a,b,c,d,label\n1,two,3,4,0\n') }, /row 2, column 'b' is 'two', not a finite number/],
      [{ train: file('ragged.csv', 'a,b,c,d,label\n1,2,3,4\n') }, /not CSV|row 2 has 4 values for 5 columns/],
      [{ validation: file('other.csv', 'a,b,c,e,label\n1,2,3,4,0\n') }, /its columns \(a, b, c, e\) are not --train's/],
      [{ validation: file('unseen.csv', 'a,b,c,d,label\n1,2,3,4,x\n') }, /label 'x' is not among --train's/],
      [{ label: 'kind' }, /no column 'kind' \(the --label column\)/],
      [{ loss: 'meanSquaredError' }, /meanSquaredError takes one output unit, not 3/],
      [{ dataset: 'mnist' }, /give either --train and --validation \(CSV files\) or --dataset, not both/],
      [{ hyperparameters: file('bad.yaml', 'momentum: { range: [1, 0] }\n') }, /--hyperparameters \S+: hyperparameters.momentum: range \[1, 0\] has min > max/],
    ]; // prettier-ignore
    const before = tf.memory().numTensors;
    for (const [change, message] of cases) {
      await expect(
        readTuningInputs(options({ model, train: good, validation: good, ...change })),
      ).rejects.toThrow(message);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('val-accuracy of a regressor is refused when the task is built', async () => {
    const model = await saveModel('regressor.json', dense(2, 1, 'linear'));
    const real = file('real2.csv', 'x,y,label\n1,2,0.5\n3,4,-2\n');
    const before = tf.memory().numTensors;
    await expect(
      modelTuningTaskFromFiles(
        options({ model, train: real, validation: real, objective: 'val-accuracy' }),
      ),
    ).rejects.toThrow(/val-accuracy needs a classification loss/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('feeds MNIST to a conv net as [28, 28, 1] images, standardised, and trains it as a task', async () => {
    const conv = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 5, strides: 4 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const model = await saveModel('conv.json', conv);
    // tfjs's WebAssembly backend has no gradient kernels for convolutions (Conv2DBackpropFilter):
    // a conv net trains on tfjs-node or the plain JavaScript backend.
    await tf.setBackend('cpu');
    const given = options({ model, dataset: 'mnist', batchSize: 8 });
    const inputs = await readTuningInputs(given);
    expect(inputs.data.x.shape.slice(1)).toEqual([28, 28, 1]);
    const mean = (await inputs.data.x.mean().data())[0]!;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    inputs.dispose();
    const before = tf.memory().numTensors;
    const task = await modelTuningTaskFromFiles(given);
    const state = task.init(makeKey(0), 2);
    const theta = task.initialTheta();
    const { state: next, losses } = task.unroll(
      state,
      new Float64Array([...theta, ...theta]),
      3,
      makeKey(1),
    );
    expect(losses.every(Number.isFinite)).toBe(true);
    task.dispose!(state);
    task.dispose!(next);
    task.close!();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('wasm');
  }, 60_000);

  it('gives random search a box of θ: [−3, 3] per constant, ln 100 around each schedule knot', () => {
    const piecewise = file(
      'box.yaml',
      'learningRate: { schedule: piecewise-log-linear, initial: 0.01, knots: 2 }\nmomentum: { range: [0, 0.9] }\n',
    );
    const box = searchBox(options({ hyperparameters: piecewise }));
    const knot = Math.log(0.01);
    expect(box).toEqual([
      [knot - Math.log(100), knot + Math.log(100)],
      [knot - Math.log(100), knot + Math.log(100)],
      [-3, 3],
    ]);
    const perLayer = file('layers.yaml', 'layerLearningRate: { range: [0.1, 10], log: true }\n');
    expect(() => searchBox(options({ hyperparameters: perLayer }))).toThrow(
      /random search does not take layerLearningRate/,
    );
  });

  it('feeds CIFAR-10 to a model taking [32, 32, 3] with each pixel’s channels together', async () => {
    const dataDir = join(import.meta.dirname, '../../../../shared/data/cifar-10-batches-bin');
    const model = await saveModel(
      'cifar.json',
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 2, kernelSize: 8, strides: 8 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
    );
    await tf.setBackend('cpu');
    const inputs = await readTuningInputs(options({ model, dataset: 'cifar10', dataDir }));
    const images = loadImageData({ dataset: 'cifar10', dir: dataDir });
    const { pixels, normalization } = images.validation;
    // Validation record 0, row 0, column 1, blue: plane 2, pixel 1 of the stored record.
    const stored = (pixels[2 * 1024 + 1]! / 255 - normalization.mean[2]!) / normalization.std[2]!;
    const x = inputs.data.validationX.slice([0, 0, 1, 2], [1, 1, 1, 1]);
    expect(x.dataSync()[0]).toBeCloseTo(stored, 5);
    expect(inputs.data.x.shape).toEqual([images.train.labels.length, 32, 32, 3]);
    expect(inputs.classes).toHaveLength(10);
    tf.dispose(x);
    inputs.dispose();
    await tf.setBackend('wasm');
  }, 60_000);
});
