import * as tf from '@tensorflow/tfjs';
import { foldIn, uniform, type Key } from '@pes/core';

/**
 * Fresh weights for `count` networks of the given weight shapes: one draw from `key`, copied
 * for each network (common random numbers, as the MNIST task does). A particle's fresh start
 * depends on the key alone, never on which particles share its shard, so θ is the same for any
 * number of workers. Glorot uniform for kernels (rank ≥ 2), zeros for biases (rank 1): the
 * Keras default for Dense and Conv layers, drawn reproducibly (the model's own initializers
 * draw from tfjs's generator, which a resumed or distributed run could not repeat).
 */
export function freshWeights(key: Key, count: number, shapes: number[][]): tf.Tensor[][] {
  const template = shapes.map((shape, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.length < 2) return tf.zeros(shape);
    // Kernels are [...receptive field, in, out]: fan-in and fan-out count the field too.
    const field = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = field * shape[shape.length - 2]!;
    const fanOut = field * shape[shape.length - 1]!;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const u = uniform(foldIn(key, i), size);
    const values = new Float32Array(size);
    for (let j = 0; j < size; j++) values[j] = (2 * u[j]! - 1) * limit;
    return tf.tensor(values, shape);
  });
  const networks = Array.from({ length: count }, () => template.map((w) => tf.clone(w)));
  tf.dispose(template);
  return networks;
}
