import * as tf from '@tensorflow/tfjs';

/**
 * An inner optimizer over tensors, the optax way: `init(params) → state` and
 * `update(grads, state, params, step) → { updates, state }`, the updates added to the
 * parameters by `applyTensorUpdates`. `step` counts this optimizer's updates since `init` (0 at
 * the first) and is kept by its caller (a task's step per particle, trainNetwork's loop):
 * schedules and learned optimizers read it on the CPU, where a count among the state's tensors
 * would have to be read back from the device. Call `update` inside `tf.tidy`; it returns new
 * tensors and disposes nothing.
 */
export interface TensorOptimizer {
  readonly name: string;
  init(params: readonly tf.Tensor[]): tf.Tensor[];
  update(
    grads: readonly tf.Tensor[],
    state: readonly tf.Tensor[],
    params: readonly tf.Tensor[],
    step: number,
  ): { updates: tf.Tensor[]; state: tf.Tensor[] };
}

/**
 * params + updates, as new tensors. Every optimizer here puts descent's minus sign into a
 * product it computes anyway (g · (−lr), never −(g · lr) as a separate op). Negation is exact
 * and float32 rounding is symmetric in sign, so p + (−x) is p − x to the last bit: adding the
 * updates gives the same parameters as subtracting a step did.
 */
export function applyTensorUpdates(
  params: readonly tf.Tensor[],
  updates: readonly tf.Tensor[],
): tf.Tensor[] {
  return params.map((p, i) => tf.add(p, updates[i]!));
}

/** A constant learning rate, or a schedule of the optimizer's step (optax's `ScalarOrSchedule`). */
export type LearningRate = number | ((step: number) => number);

export function learningRateAt(learningRate: LearningRate, step: number): number {
  return typeof learningRate === 'number' ? learningRate : learningRate(step);
}

/**
 * An optimizer whose learning rate is still to be given (optax's `sgd`, `adam` before
 * `learning_rate`): a constant, a schedule, or a meta-learned value closes it.
 */
export interface LearningRateFamily {
  readonly name: string;
  withLearningRate(learningRate: LearningRate): TensorOptimizer;
  /**
   * The same optimizer over stacked tensors (particle axis first, as the batched formulation of
   * the image tasks holds them), particle p at learning rate `rates[p]`: `rates` broadcasts
   * against every parameter (shape [N, 1, 1]). Families without it step particle by particle.
   */
  withLearningRates?(rates: tf.Tensor): TensorOptimizer;
}

/**
 * −lr for an update: a number's negation as before, or a tensor's. Negation is exact, so
 * float32(−lr) from the number and −float32(lr) from the tensor are the same float.
 */
type MinusRate = (step: number) => number | tf.Tensor;

const minusRateOf =
  (learningRate: LearningRate): MinusRate =>
  (step) =>
    -learningRateAt(learningRate, step);
const minusRates =
  (rates: tf.Tensor): MinusRate =>
  () =>
    tf.neg(rates);

export function sgdTensor(): LearningRateFamily {
  const sgd = (minusRate: MinusRate): TensorOptimizer => ({
    name: 'sgd',
    init: () => [],
    update: (grads, state, _params, step) => {
      const minusLr = minusRate(step);
      return { updates: grads.map((g) => tf.mul(g, minusLr)), state: [...state] };
    },
  });
  return {
    name: 'sgd',
    withLearningRate: (learningRate) => sgd(minusRateOf(learningRate)),
    withLearningRates: (rates) => sgd(minusRates(rates)),
  };
}

/** Heavy-ball momentum: v ← βv + g, p ← p − lr v (the paper's inner optimizer, β = 0.9). */
export function momentumTensor(beta = 0.9): LearningRateFamily {
  const momentum = (minusRate: MinusRate): TensorOptimizer => ({
    name: 'momentum',
    init: (params) => params.map((p) => tf.zerosLike(p)),
    update(grads, state, _params, step) {
      const minusLr = minusRate(step);
      const velocity = state.map((v, i) => tf.add(tf.mul(v, beta), grads[i]!));
      return { updates: velocity.map((v) => tf.mul(v, minusLr)), state: velocity };
    },
  });
  return {
    name: 'momentum',
    withLearningRate: (learningRate) => momentum(minusRateOf(learningRate)),
    withLearningRates: (rates) => momentum(minusRates(rates)),
  };
}

/**
 * Adam with bias correction. Its own update count is a scalar tensor at the end of the state:
 * the bias corrections are computed from it on the device, so nothing is read back.
 */
export function adamTensor(b1 = 0.9, b2 = 0.999, eps = 1e-8): LearningRateFamily {
  const adam = (minusRate: MinusRate): TensorOptimizer => ({
    name: 'adam',
    init: (params) => [
      ...params.map((p) => tf.zerosLike(p)),
      ...params.map((p) => tf.zerosLike(p)),
      tf.scalar(0),
    ],
    update(grads, state, _params, step) {
      const minusLr = minusRate(step);
      const n = grads.length;
      const count = tf.add(state[2 * n]!, 1);
      const c1 = tf.sub(1, tf.pow(tf.scalar(b1), count));
      const c2 = tf.sub(1, tf.pow(tf.scalar(b2), count));
      const mu = grads.map((g, i) => tf.add(tf.mul(state[i]!, b1), tf.mul(g, 1 - b1)));
      const nu = grads.map((g, i) =>
        tf.add(tf.mul(state[n + i]!, b2), tf.mul(tf.square(g), 1 - b2)),
      );
      const updates = mu.map((m, i) =>
        tf.div(tf.mul(tf.div(m, c1), minusLr), tf.add(tf.sqrt(tf.div(nu[i]!, c2)), eps)),
      );
      return { updates, state: [...mu, ...nu, count] };
    },
  });
  return {
    name: 'adam',
    withLearningRate: (learningRate) => adam(minusRateOf(learningRate)),
    withLearningRates: (rates) => adam(minusRates(rates)),
  };
}
