import * as tf from '@tensorflow/tfjs';
import { DataError, type ImageDataset } from '@pes/inner-problems';
import { loadImageData } from '@pes/inner-problems/node';
import type { LossSpec } from '../tuning/model-losses.js';
import { trainableLayers } from '../tuning/model-layers.js';
import type { TuningData } from '../tuning/model-tuning-task.js';
import { resolveSearchSpace, type ResolvedSpace } from '../tuning/search-space.js';
import { readCsvTable } from './csv-table.js';
import { readSearchSpace, SearchSpaceError } from './search-space-file.js';
import { inputShapeOf, loadModelTopology, outputUnitsOf } from './model-file.js';
import type { ResolvedModelTuningOptions as Resolved } from './model-tuning-options.js';

/** Everything `modelTuningTask` is built from, read from the files a `model-tuning` run names. */
export interface TuningInputs {
  model: tf.LayersModel;
  data: TuningData;
  space: ResolvedSpace;
  loss: Extract<LossSpec, string>;
  /** What each output unit stands for (a class's label), where the model classifies. */
  classes?: string[];
  /** Frees the model and the data tensors. */
  dispose(): void;
}

/**
 * Reads the model, the data and the search space of a `model-tuning` run and checks them against
 * each other: every problem is a DataError (a SearchSpaceError for the search space) naming the
 * file and what is wrong with it.
 */
export async function readTuningInputs(options: Resolved): Promise<TuningInputs> {
  if (!options.model) throw new DataError('--model is required (a tfjs-layers model.json)');
  const csv = options.train !== undefined || options.validation !== undefined;
  if (csv === (options.dataset !== undefined)) {
    throw new DataError('give either --train and --validation (CSV files) or --dataset, not both');
  }
  if (csv && (!options.train || !options.validation)) {
    throw new DataError('--train and --validation go together (two CSV files)');
  }
  const model = await loadModelTopology(options.model);
  const tensors: tf.Tensor[] = [];
  try {
    const input = inputShapeOf(model);
    const units = outputUnitsOf(model);
    const read = csv ? csvData(options, input, units) : datasetData(options, input, units);
    tensors.push(read.data.x, read.data.y, read.data.validationX, read.data.validationY);
    const space = searchSpaceOf(options, trainableLayers(model).names);
    return {
      model,
      ...read,
      space,
      dispose: () => {
        tf.dispose(tensors);
        model.dispose();
      },
    };
  } catch (error) {
    tf.dispose(tensors);
    model.dispose();
    throw error;
  }
}

function searchSpaceOf(options: Resolved, layers: string[]): ResolvedSpace {
  const { space, source } = readSearchSpace(options.hyperparameters);
  try {
    return resolveSearchSpace(space, options.horizon, options.innerOptimizer, layers);
  } catch (error) {
    if (error instanceof RangeError) throw new SearchSpaceError(`${source}: ${error.message}`);
    throw error;
  }
}

type Input = { shape: number[]; size: number };
type Read = Pick<TuningInputs, 'data' | 'loss' | 'classes'>;

function csvData(options: Resolved, input: Input, units: number): Read {
  const train = readCsvTable(options.train!, options.label, '--train');
  const validation = readCsvTable(options.validation!, options.label, '--validation');
  if (train.columns.join('\u0000') !== validation.columns.join('\u0000')) {
    throw new DataError(
      `--validation ${options.validation}: its columns (${validation.columns.join(', ')}) are not --train's (${train.columns.join(', ')})`,
    );
  }
  if (train.columns.length !== input.size) {
    throw new DataError(
      `--train ${options.train}: ${train.columns.length} feature columns (${train.columns.slice(0, 8).join(', ')}${train.columns.length > 8 ? ', …' : ''}), but the model's input takes ${input.size} values ([${input.shape.join(', ')}])`,
    );
  }
  const loss = lossOf(options.loss, units, [...train.labels, ...validation.labels]);
  const x = (t: typeof train) => tf.tensor(t.features, [t.labels.length, ...input.shape]);
  if (loss === 'categoricalCrossentropy') {
    const classes = classNames(train.labels, units, options.train!);
    const index = new Map(classes.map((c, i) => [c, i]));
    // Every label is checked before any tensor exists: a refusal leaves nothing to free.
    const indicesOf = (t: typeof train, flag: string, file: string) =>
      t.labels.map((l, r) => {
        const i = index.get(l);
        if (i === undefined)
          throw new DataError(
            `${flag} ${file}: row ${r + 2}'s label '${l}' is not among --train's (${classes.join(', ')})`,
          );
        return i;
      });
    const trainIndices = indicesOf(train, '--train', options.train!);
    const validationIndices = indicesOf(validation, '--validation', options.validation!);
    const y = (indices: number[]) =>
      tf.tidy(() => tf.oneHot(tf.tensor1d(indices, 'int32'), units).toFloat());
    const data = {
      x: x(train),
      y: y(trainIndices),
      validationX: x(validation),
      validationY: y(validationIndices),
    };
    return { data, loss, classes };
  }
  const y = (t: typeof train) => tf.tensor2d(t.labels.map(Number), [t.labels.length, 1]);
  const data = { x: x(train), y: y(train), validationX: x(validation), validationY: y(validation) };
  return { data, loss };
}

/** The loss named, or for `auto` the one the model's output and the labels call for. */
function lossOf(named: Resolved['loss'], units: number, labels: string[]): TuningInputs['loss'] {
  const numeric = labels.every((l) => l !== '' && Number.isFinite(Number(l)));
  const loss =
    named !== 'auto'
      ? named
      : units > 1
        ? 'categoricalCrossentropy'
        : labels.every((l) => l === '0' || l === '1')
          ? 'binaryCrossentropy'
          : 'meanSquaredError';
  if (loss === 'categoricalCrossentropy' && units < 2)
    throw new DataError('model: categorical cross-entropy needs an output of one unit per class');
  if (loss !== 'categoricalCrossentropy' && units !== 1)
    throw new DataError(`model: ${loss} takes one output unit, not ${units}`);
  if (loss === 'binaryCrossentropy' && !labels.every((l) => Number(l) === 0 || Number(l) === 1))
    throw new DataError('--label: binary cross-entropy takes labels 0 and 1');
  if (loss !== 'categoricalCrossentropy' && !numeric)
    throw new DataError(`--label: ${loss} takes numeric labels`);
  return loss;
}

/**
 * The class of each output unit: the labels themselves where they are the integers 0 … units−1,
 * else the distinct labels in sorted order (at most one per unit).
 */
function classNames(labels: string[], units: number, file: string): string[] {
  const distinct = [...new Set(labels)];
  if (distinct.every((l) => /^\d+$/.test(l) && Number(l) < units)) {
    return Array.from({ length: units }, (_, i) => String(i));
  }
  if (distinct.length > units) {
    throw new DataError(
      `--train ${file}: ${distinct.length} distinct labels, but the model has ${units} output units`,
    );
  }
  return distinct.sort();
}

/** A built-in dataset (MNIST, CIFAR-10) scaled to [0, 1] and standardised per channel. */
function datasetData(options: Resolved, input: Input, units: number): Read {
  const images = loadImageData({
    dataset: options.dataset!,
    ...(options.dataDir ? { dir: options.dataDir } : {}),
  });
  const classes = [...images.train.classNames];
  if (units !== classes.length) {
    throw new DataError(
      `model: ${units} output units, but ${options.dataset} has ${classes.length} classes`,
    );
  }
  if (images.train.features !== input.size) {
    throw new DataError(
      `model: its input takes ${input.size} values ([${input.shape.join(', ')}]), but ${options.dataset} records have ${images.train.features}`,
    );
  }
  const loss = options.loss === 'auto' ? 'categoricalCrossentropy' : options.loss;
  if (loss !== 'categoricalCrossentropy')
    throw new DataError(
      `--loss ${loss}: ${options.dataset} is classified with categoricalCrossentropy`,
    );
  // A model taking [H, W, C] gets each pixel's channels together; any other shape, the planes.
  const channelsLast = (set: ImageDataset) =>
    input.shape.length === 3 && input.shape[2] === set.features / set.channelSize;
  const tensorsOf = (set: ImageDataset) => ({
    x: tf.tensor(standardised(set, channelsLast(set)), [set.labels.length, ...input.shape]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(set.labels, 'int32'), units).toFloat()),
  });
  const train = tensorsOf(images.train);
  const validation = tensorsOf(images.validation);
  return {
    data: { x: train.x, y: train.y, validationX: validation.x, validationY: validation.y },
    loss,
    classes,
  };
}

/**
 * An image set's pixels scaled to [0, 1] and standardised per channel, in one pass and one
 * array (CIFAR-10's 45,000 training images are 550 MB of float32): channel after channel as
 * stored, or each pixel's channels together (`channelsLast`, for a model taking [H, W, C]).
 */
export function standardised(set: ImageDataset, channelsLast: boolean): Float32Array {
  const count = set.labels.length;
  const plane = set.channelSize;
  const channels = set.features / plane;
  const { mean, std } = set.normalization;
  const out = new Float32Array(count * set.features);
  for (let r = 0; r < count; r++) {
    const at = r * set.features;
    for (let c = 0; c < channels; c++) {
      const m = mean[c]!;
      const s = std[c]!;
      for (let i = 0; i < plane; i++) {
        const value = (set.pixels[at + c * plane + i]! / 255 - m) / s;
        out[at + (channelsLast ? i * channels + c : c * plane + i)] = value;
      }
    }
  }
  return out;
}
