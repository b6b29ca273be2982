import * as tf from '@tensorflow/tfjs';
import { applyTensorUpdates, type TensorOptimizer } from '@pes/inner-problems';
import { mlpLearnedOptimizer } from './mlp-lopt.js';
import type { TensorLearnedOptimizer } from './tensor-learned-optimizer.js';

/**
 * A trained MLP learned optimizer as an ordinary `tf.Optimizer`, so that
 * `model.compile({ optimizer, loss })` and `model.fit` of a tfjs-layers model train with it.
 * Each variable keeps its optimizer state; the step count is the number of updates applied.
 */
export class LearnedTfOptimizer extends tf.Optimizer {
  static readonly className = 'PesLearnedOptimizer';

  private readonly optimizer: TensorOptimizer;
  private readonly theta: Float64Array;
  private readonly momenta = new Map<string, tf.Tensor[]>();
  private step = 0;

  /** The optimizer that θ describes; by default θ is an MLP learned optimizer's. */
  constructor(theta: Float64Array, lopt: TensorLearnedOptimizer = mlpLearnedOptimizer) {
    super();
    if (theta.length !== lopt.dim)
      throw new RangeError(`${lopt.name} θ has ${lopt.dim} numbers, got ${theta.length}`);
    this.theta = theta.slice();
    this.optimizer = lopt.optimizer(this.theta);
  }

  override applyGradients(
    variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  ): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    for (const [name, gradient] of entries) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) continue;
      let state = this.momenta.get(name);
      if (!state) {
        state = tf.tidy(() => this.optimizer.init([variable])).map((t) => tf.keep(t));
      }
      const next = tf.tidy(() => {
        const r = this.optimizer.update([gradient], state!, [variable], this.step);
        variable.assign(applyTensorUpdates([variable], r.updates)[0]!);
        return r.state;
      });
      tf.dispose(state);
      this.momenta.set(
        name,
        next.map((t) => tf.keep(t)),
      );
    }
    this.step++;
    this.incrementIterations();
  }

  override dispose(): void {
    for (const state of this.momenta.values()) tf.dispose(state);
    this.momenta.clear();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { theta: Array.from(this.theta) };
  }
}
