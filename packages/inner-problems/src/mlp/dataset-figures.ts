import * as tf from '@tensorflow/tfjs';
import { fillBatch, recordCount, type ImageDataset } from '../data/dataset.js';
import { evaluateBatch, type Activation } from './network.js';

/** Records per forward pass: bounds the activations held at once. */
const CHUNK = 1000;

/**
 * Mean loss and accuracy of one network over the first `records` records of a dataset (all by
 * default), in chunks, reading each chunk's two numbers back.
 */
export function datasetFigures(
  params: readonly tf.Tensor[],
  dataset: ImageDataset,
  activation: Activation,
  records = recordCount(dataset),
): { loss: number; accuracy: number } {
  const count = Math.min(records, recordCount(dataset));
  const features = dataset.features;
  const classes = dataset.classNames.length;
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const indices = Int32Array.from({ length: n }, (_, i) => start + i);
    const x = new Float32Array(n * features);
    const labels = new Int32Array(n);
    fillBatch(dataset, indices, x, labels);
    const [l, a] = tf.tidy(() => {
      const r = evaluateBatch(
        params,
        {
          x: tf.tensor2d(x, [n, features]),
          y: tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D,
        },
        activation,
      );
      return [r.loss.dataSync()[0]!, r.accuracy.dataSync()[0]!];
    });
    loss += l! * n;
    correct += a! * n;
  }
  return { loss: loss / count, accuracy: correct / count };
}
