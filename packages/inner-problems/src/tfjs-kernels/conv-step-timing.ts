import * as tf from '@tensorflow/tfjs';

/**
 * A small convolutional MNIST classifier, the kind a user of a learned optimizer brings: conv,
 * pooling, dropout and dense layers (28×28×1 → 10 classes).
 */
export function convClassifier(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

export interface ConvStepTiming {
  backend: string;
  /** Wall-clock milliseconds of each timed training step (after one untimed warm-up step). */
  ms: number[];
  /** The loss of the last step: finite when the gradients ran. */
  loss: number;
}

/**
 * Times `steps` Adam training steps (`trainOnBatch`, forward + backward + update) of
 * `convClassifier` on one random batch, on the backend that is current; the caller chooses it
 * (and registers any kernels it needs) first.
 */
export async function timeConvTrainingStep(
  batchSize: number,
  steps: number,
): Promise<ConvStepTiming> {
  const model = convClassifier();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([batchSize, 28, 28, 1], 0, 1, 'float32', 0);
  const labels = tf.tensor1d(
    Array.from({ length: batchSize }, (_, i) => i % 10),
    'int32',
  );
  const y = tf.oneHot(labels, 10);
  let loss = (await model.trainOnBatch(x, y)) as number;
  const ms: number[] = [];
  for (let s = 0; s < steps; s++) {
    const started = performance.now();
    loss = (await model.trainOnBatch(x, y)) as number;
    ms.push(performance.now() - started);
  }
  model.optimizer.dispose();
  model.dispose();
  tf.dispose([x, labels, y]);
  return { backend: tf.getBackend(), ms, loss };
}
