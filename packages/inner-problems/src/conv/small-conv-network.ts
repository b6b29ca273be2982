import * as tf from '@tensorflow/tfjs';
import type { Key } from '@pes/core';
import type { Classifier } from '../mlp/classifier.js';
import { drawParameters, logitsClassifier } from '../mlp/logits-classifier.js';
import type { Activation } from '../mlp/network.js';

export interface SmallConvNetworkOptions {
  /** Height and width of the square images (8 for the task family's grey downsampling). */
  size: number;
  channels: number;
  classes: number;
  /** Filters of each block, from the input on: one 3×3 convolution and one pooling each. */
  filters: readonly number[];
  activation: Activation;
}

/**
 * A conv net small enough to meta-train on: per block a 3×3 convolution with 'same' padding, the
 * activation and a 2×2 max pool (so an 8×8 image is 4×4 after one block and 2×2 after two),
 * then a dense layer to the classes. 'same' padding keeps every depth valid on small images,
 * where convNetwork's two valid convolutions need at least 10×10. Parameters are drawn from a
 * key (He for ReLU, LeCun otherwise, as network.ts's MLPs); gradients by tfjs's autodiff (on
 * WebAssembly through `registerWasmConvGradients`).
 */
export function smallConvNetwork(options: SmallConvNetworkOptions): Classifier {
  const { size, channels, classes, filters, activation } = options;
  if (filters.length === 0 || !filters.every((f) => Number.isInteger(f) && f >= 1))
    throw new RangeError(`filters must be one or more positive integers, got ${filters.join(',')}`);
  let side = size;
  for (let i = 0; i < filters.length; i++) side = Math.floor(side / 2);
  if (side < 1)
    throw new RangeError(
      `${filters.length} pooled blocks leave nothing of a ${size}×${size} image`,
    );
  const flat = side * side * filters.at(-1)!;
  const shapes: number[][] = [];
  const fanIns: number[] = [];
  filters.forEach((f, i) => {
    const inputs = i === 0 ? channels : filters[i - 1]!;
    shapes.push([3, 3, inputs, f], [f]);
    fanIns.push(9 * inputs, 0);
  });
  shapes.push([flat, classes], [classes]);
  fanIns.push(flat, 0);
  const gain = activation === 'relu' ? 2 : 1;
  const scales = fanIns.map((f) => (f ? Math.sqrt(gain / f) : 0));
  const act = (z: tf.Tensor4D): tf.Tensor4D =>
    activation === 'relu' ? tf.relu(z) : activation === 'tanh' ? tf.tanh(z) : tf.sigmoid(z);

  const logits = (params: readonly tf.Tensor[], x: tf.Tensor2D) => {
    const batch = x.shape[0];
    // Records hold one channel plane after another (as the datasets store them); conv2d wants
    // channels last.
    const planes = tf.reshape(x, [batch, channels, size, size]);
    let h = (
      channels === 1
        ? tf.reshape(planes, [batch, size, size, 1])
        : tf.transpose(planes, [0, 2, 3, 1])
    ) as tf.Tensor4D;
    for (let i = 0; i < filters.length; i++) {
      const kernel = params[2 * i] as tf.Tensor4D;
      const bias = params[2 * i + 1] as tf.Tensor1D;
      h = tf.maxPool(act(tf.add(tf.conv2d(h, kernel, 1, 'same'), bias)), 2, 2, 'valid');
    }
    const [w, b] = params.slice(-2) as [tf.Tensor2D, tf.Tensor1D];
    return tf.add(tf.matMul(tf.reshape(h, [batch, flat]), w), b) as tf.Tensor2D;
  };
  return logitsClassifier(
    `conv ${filters.join('-')} (3×3 same, max-pool 2) ${activation} + dense, ${size}×${size}×${channels}`,
    (key: Key) => drawParameters(key, shapes, scales),
    logits,
  );
}
