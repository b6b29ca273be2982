import * as tf from '@tensorflow/tfjs';
import { momentumSgdStep } from './momentum-sgd-step.js';
import type { ResolvedSpace } from './search-space.js';

/**
 * A tf.Optimizer that trains a new model with tuned hyperparameters: momentum SGD with weight
 * decay, exactly the update the task's particles took, its hyperparameters at step t (counted
 * by this optimizer's `iterations`) those of `space.at(θ, t)`. Its momentum buffers are its own
 * variables, as tfjs's optimizers keep theirs; `dispose` frees them.
 */
export class TunedMomentumOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'PesTunedMomentum';
  }

  private readonly velocities = new Map<string, tf.Variable>();

  constructor(
    private readonly space: ResolvedSpace,
    private readonly theta: Float64Array,
  ) {
    super();
  }

  /** The hyperparameters the next step will use. */
  current() {
    return this.space.at(this.theta, this.iterations);
  }

  override applyGradients(
    variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  ): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const h = this.current();
    for (const [name, gradient] of entries) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new RangeError(`optimizer: no variable named ${name}`);
      let velocity = this.velocities.get(name);
      if (!velocity) {
        velocity = tf.tidy(() => tf.variable(tf.zerosLike(variable), false));
        this.velocities.set(name, velocity);
      }
      const v = velocity;
      tf.tidy(() => {
        const next = momentumSgdStep(variable, gradient, v, h);
        variable.assign(next.weight);
        v.assign(next.velocity);
      });
    }
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    for (const v of this.velocities.values()) v.dispose();
    this.velocities.clear();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { theta: Array.from(this.theta), horizon: this.space.horizon };
  }
}
