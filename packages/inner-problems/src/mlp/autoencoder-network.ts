import * as tf from '@tensorflow/tfjs';
import type { Key } from '@pes/core';
import type { Classifier } from './classifier.js';
import { drawParameters } from './logits-classifier.js';

/**
 * A dense autoencoder over the images: `widths` = [features, …, code, …, features], ReLU
 * between layers and a linear output, trained to reproduce its (normalised) input under the mean
 * squared error per pixel. Not a classifier, but it trains where a classifier does (the same
 * minibatches, curves and comparisons of `trainNetwork`): the labels are ignored, and its
 * accuracy is NaN ("none"), which the tables print as such. A problem of another kind for a
 * learned optimizer meta-trained on classifiers: a regression loss, a bottleneck, and an output
 * layer as wide as the input. Parameters are drawn from a key (He initialisation); gradients come
 * from tfjs's autodiff.
 */
export function autoencoderNetwork(widths: readonly number[]): Classifier {
  if (widths.length < 3 || widths[0] !== widths.at(-1))
    throw new RangeError(
      `an autoencoder's layers must start and end at the input size, got ${widths.join('-')}`,
    );
  const layers = widths.slice(1).map((out, i) => ({ in: widths[i]!, out }));
  const forward = (params: readonly tf.Tensor[], x: tf.Tensor2D) =>
    layers.reduce((h, _, i) => {
      const z = tf.add(tf.matMul(h, params[2 * i] as tf.Tensor2D), params[2 * i + 1]!);
      return (i === layers.length - 1 ? z : tf.relu(z)) as tf.Tensor2D;
    }, x);
  const lossOf = (params: readonly tf.Tensor[], x: tf.Tensor2D) =>
    tf.mean(tf.squaredDifference(forward(params, x), x)) as tf.Scalar;
  return {
    description: `${widths.join('-')} relu autoencoder`,
    init: (key: Key) =>
      drawParameters(
        key,
        layers.flatMap((l) => [[l.in, l.out], [l.out]]),
        layers.flatMap((l) => [Math.sqrt(2 / l.in), 0]),
      ),
    lossAndGradients(params, batch) {
      const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => lossOf(ps, batch.x))([
        ...params,
      ]);
      return { loss: value as tf.Scalar, grads };
    },
    evaluate(params, batch) {
      return { loss: lossOf(params, batch.x), accuracy: tf.scalar(Number.NaN) };
    },
  };
}
