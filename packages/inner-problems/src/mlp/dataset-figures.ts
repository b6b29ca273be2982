import * as tf from '@tensorflow/tfjs';
import { fillBatch, recordCount, type ImageDataset } from '../data/dataset.js';
import type { Classifier } from './classifier.js';
import { evaluateBatch, oneHotLabels, type Activation } from './network.js';

/** Records per forward pass: bounds the activations held at once. */
const CHUNK = 1000;

/**
 * The first `records` records of a dataset, normalised and on the device in chunks, ready to be
 * evaluated many times (normalising CIFAR-10 records in JavaScript costs more than the forward
 * pass). Owns its tensors: `dispose()` when done.
 */
export interface EvaluationSet {
  readonly records: number;
  readonly chunks: readonly { x: tf.Tensor2D; y: tf.Tensor2D; count: number }[];
  dispose(): void;
}

export function evaluationSet(
  dataset: ImageDataset,
  records = recordCount(dataset),
): EvaluationSet {
  const count = Math.min(records, recordCount(dataset));
  const features = dataset.features;
  const classes = dataset.classNames.length;
  const chunks: { x: tf.Tensor2D; y: tf.Tensor2D; count: number }[] = [];
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const indices = Int32Array.from({ length: n }, (_, i) => start + i);
    const x = new Float32Array(n * features);
    const labels = new Int32Array(n);
    fillBatch(dataset, indices, x, labels);
    chunks.push(
      tf.tidy(() => ({
        x: tf.tensor2d(x, [n, features]),
        y: oneHotLabels(labels, classes),
        count: n,
      })),
    );
  }
  return {
    records: count,
    chunks,
    dispose: () => tf.dispose(chunks.flatMap((c) => [c.x, c.y])),
  };
}

/**
 * Mean loss and accuracy of one network over an evaluation set, one read-back per chunk: an MLP
 * of network.ts with this activation, or any `Classifier`.
 */
export function evaluationFigures(
  params: readonly tf.Tensor[],
  set: EvaluationSet,
  network: Activation | Classifier,
): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (const chunk of set.chunks) {
    const [l, a] = tf.tidy(() => {
      const r =
        typeof network === 'string'
          ? evaluateBatch(params, chunk, network)
          : network.evaluate(params, chunk);
      return [r.loss.dataSync()[0]!, r.accuracy.dataSync()[0]!];
    });
    loss += l! * chunk.count;
    correct += a! * chunk.count;
  }
  return { loss: loss / set.records, accuracy: correct / set.records };
}

/**
 * Mean loss and accuracy of one network (an MLP of this activation, or any `Classifier`) over
 * the first `records` records of a dataset (all by default): a one-off `evaluationSet`.
 */
export function datasetFigures(
  params: readonly tf.Tensor[],
  dataset: ImageDataset,
  network: Activation | Classifier,
  records = recordCount(dataset),
): { loss: number; accuracy: number } {
  const set = evaluationSet(dataset, records);
  try {
    return evaluationFigures(params, set, network);
  } finally {
    set.dispose();
  }
}
