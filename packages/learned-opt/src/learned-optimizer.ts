import { adam, sgd, type GradientTransformation, type Key } from '@pes/core';

/**
 * A learned optimizer is a function from meta-parameters θ to an ordinary optimizer
 * (learned_optimization's `opt_fn(theta)`): the same object is meta-trained and then used.
 */
export interface LearnedOptimizer {
  readonly name: string;
  /** Length of θ. */
  readonly dim: number;
  /** θ at the start of meta-training. */
  initTheta(key: Key): Float64Array;
  /** The ordinary optimizer that θ describes. */
  optimizer(theta: ArrayLike<number>): GradientTransformation;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

function at(theta: ArrayLike<number>, i: number, name: string): number {
  const v = theta[i];
  if (v === undefined)
    throw new RangeError(`${name} needs θ of length ${i + 1}, got ${theta.length}`);
  return v;
}

/** SGD with a learnable log learning rate: θ = [log lr]. */
export function learnableSgd(initialLearningRate = 0.01): LearnedOptimizer {
  return {
    name: 'learnable-sgd',
    dim: 1,
    initTheta: () => Float64Array.of(Math.log(initialLearningRate)),
    optimizer: (theta) => sgd(Math.exp(at(theta, 0, 'learnable-sgd'))),
  };
}

/** Adam with learnable log learning rate and β's through sigmoids: θ = [log lr, logit β1, logit β2]. */
export function learnableAdam({
  learningRate = 0.001,
  b1 = 0.9,
  b2 = 0.999,
} = {}): LearnedOptimizer {
  return {
    name: 'learnable-adam',
    dim: 3,
    initTheta: () => Float64Array.of(Math.log(learningRate), logit(b1), logit(b2)),
    optimizer: (theta) =>
      adam(Math.exp(at(theta, 0, 'learnable-adam')), {
        // Kept strictly inside [0, 1): sigmoid can round to 1 in floating point.
        b1: Math.min(sigmoid(at(theta, 1, 'learnable-adam')), 1 - 1e-12),
        b2: Math.min(sigmoid(at(theta, 2, 'learnable-adam')), 1 - 1e-12),
      }),
  };
}
