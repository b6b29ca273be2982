import * as tf from '@tensorflow/tfjs';

/**
 * An inner optimizer as a pure pair over tensors: `init(params) → state`,
 * `update(grads, state, params, learningRate) → { params, state }`. The learning rate comes per
 * call, so a schedule or a meta-learned value can drive it. Call `update` inside `tf.tidy`;
 * it returns new tensors and disposes nothing.
 */
export interface TensorOptimizer {
  readonly name: string;
  init(params: readonly tf.Tensor[]): tf.Tensor[];
  update(
    grads: readonly tf.Tensor[],
    state: readonly tf.Tensor[],
    params: readonly tf.Tensor[],
    learningRate: number,
  ): { params: tf.Tensor[]; state: tf.Tensor[] };
}

export function sgdTensor(): TensorOptimizer {
  return {
    name: 'sgd',
    init: () => [],
    update: (grads, state, params, lr) => ({
      params: params.map((p, i) => tf.sub(p, tf.mul(grads[i]!, lr))),
      state: [...state],
    }),
  };
}

/** Heavy-ball momentum: v ← βv + g, p ← p − lr v (the paper's inner optimizer, β = 0.9). */
export function momentumTensor(beta = 0.9): TensorOptimizer {
  return {
    name: 'momentum',
    init: (params) => params.map((p) => tf.zerosLike(p)),
    update(grads, state, params, lr) {
      const velocity = state.map((v, i) => tf.add(tf.mul(v, beta), grads[i]!));
      return { params: params.map((p, i) => tf.sub(p, tf.mul(velocity[i]!, lr))), state: velocity };
    },
  };
}

/** Adam with bias correction; the step count is carried as a scalar tensor at the end of the state. */
export function adamTensor(b1 = 0.9, b2 = 0.999, eps = 1e-8): TensorOptimizer {
  return {
    name: 'adam',
    init: (params) => [
      ...params.map((p) => tf.zerosLike(p)),
      ...params.map((p) => tf.zerosLike(p)),
      tf.scalar(0),
    ],
    update(grads, state, params, lr) {
      const n = params.length;
      const count = tf.add(state[2 * n]!, 1);
      // Bias corrections as tensors: reading the count back would stall the backend.
      const c1 = tf.sub(1, tf.pow(tf.scalar(b1), count));
      const c2 = tf.sub(1, tf.pow(tf.scalar(b2), count));
      const mu = grads.map((g, i) => tf.add(tf.mul(state[i]!, b1), tf.mul(g, 1 - b1)));
      const nu = grads.map((g, i) =>
        tf.add(tf.mul(state[n + i]!, b2), tf.mul(tf.square(g), 1 - b2)),
      );
      const next = params.map((p, i) =>
        tf.sub(p, tf.div(tf.mul(tf.div(mu[i]!, c1), lr), tf.add(tf.sqrt(tf.div(nu[i]!, c2)), eps))),
      );
      return { params: next, state: [...mu, ...nu, count] };
    },
  };
}

export function tensorOptimizer(name: string): TensorOptimizer {
  if (name === 'sgd') return sgdTensor();
  if (name === 'momentum') return momentumTensor();
  if (name === 'adam') return adamTensor();
  throw new RangeError(`unknown inner optimizer '${name}'; known: sgd, momentum, adam`);
}
