import * as tf from '@tensorflow/tfjs';
import type { Key } from '@pes/core';
import type { Classifier } from '../mlp/classifier.js';
import { drawParameters, logitsClassifier } from '../mlp/logits-classifier.js';

export interface ConvNetworkOptions {
  /** Height and width of the square images (28 for MNIST, 32 for CIFAR-10). */
  size: number;
  channels: number;
  classes: number;
  /** Filters of the two 3×3 convolutions (default 8 and 16). */
  filters?: readonly [number, number];
}

/**
 * A small convolutional classifier, the kind users bring to an optimizer: two 3×3 valid
 * convolutions with ReLU, each followed by 2×2 max pooling, then a dense layer to the classes.
 * Parameters are plain tensors drawn from a key (He initialisation), so runs are reproducible;
 * gradients come from tfjs's autodiff (on WebAssembly through the kernels of
 * `registerWasmConvGradients`).
 */
export function convNetwork(options: ConvNetworkOptions): Classifier {
  const { size, channels, classes } = options;
  const [f1, f2] = options.filters ?? [8, 16];
  const after = Math.floor((Math.floor((size - 2) / 2) - 2) / 2);
  const flat = after * after * f2;
  const shapes: number[][] = [
    [3, 3, channels, f1],
    [f1],
    [3, 3, f1, f2],
    [f2],
    [flat, classes],
    [classes],
  ];
  const fanIns = [9 * channels, 0, 9 * f1, 0, flat, 0];

  const logits = (params: readonly tf.Tensor[], x: tf.Tensor2D) => {
    const [k1, b1, k2, b2, w, b] = params as [
      tf.Tensor4D,
      tf.Tensor1D,
      tf.Tensor4D,
      tf.Tensor1D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    // Records hold one channel plane after another (as the datasets store them); conv2d wants
    // channels last.
    const planes = tf.reshape(x, [x.shape[0], channels, size, size]);
    const images = (
      channels === 1
        ? tf.reshape(planes, [x.shape[0], size, size, 1])
        : tf.transpose(planes, [0, 2, 3, 1])
    ) as tf.Tensor4D;
    const block = (input: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D) =>
      tf.maxPool(
        tf.relu(tf.add(tf.conv2d(input, kernel, 1, 'valid'), bias)) as tf.Tensor4D,
        2,
        2,
        'valid',
      );
    const c2 = block(block(images, k1, b1), k2, b2);
    return tf.add(tf.matMul(tf.reshape(c2, [x.shape[0], flat]), w), b) as tf.Tensor2D;
  };
  const scales = fanIns.map((f) => (f ? Math.sqrt(2 / f) : 0));
  return logitsClassifier(
    `conv ${f1}-${f2} (3×3, max-pool 2) + dense, ${size}×${size}×${channels}`,
    (key: Key) => drawParameters(key, shapes, scales),
    logits,
  );
}
