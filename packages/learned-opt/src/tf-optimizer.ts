import * as tf from '@tensorflow/tfjs';
import { mlpLearnedOptimizerRule } from './mlp-lopt.js';

/**
 * A trained MLP learned optimizer as an ordinary `tf.Optimizer`, so that
 * `model.compile({ optimizer, loss })` and `model.fit` of a tfjs-layers model train with it.
 * Each variable keeps its six momenta; the step count is the number of updates applied.
 */
export class LearnedTfOptimizer extends tf.Optimizer {
  static readonly className = 'PesLearnedOptimizer';

  private readonly rule;
  private readonly theta: Float64Array;
  private readonly momenta = new Map<string, tf.Tensor[]>();
  private step = 0;

  constructor(theta: Float64Array) {
    super();
    this.theta = theta.slice();
    this.rule = mlpLearnedOptimizerRule(this.theta);
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
        state = tf.tidy(() => this.rule.init([variable])).map((t) => tf.keep(t));
      }
      const next = tf.tidy(() => {
        const r = this.rule.step({
          theta: this.theta,
          t: this.step,
          params: [variable],
          grads: [gradient],
          state: state!,
        });
        variable.assign(r.params[0]!);
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
