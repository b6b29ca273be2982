import * as tf from '@tensorflow/tfjs';
import { innerStep, slotsPerWeight } from './inner-optimizers.js';
import type { ResolvedSpace } from './search-space.js';

/**
 * A tf.Optimizer that trains a new model with tuned hyperparameters: `space.optimizer`'s update
 * (momentum SGD or Adam, with weight decay), exactly the one the task's particles took, its
 * hyperparameters at step t (counted by this optimizer's `iterations`) those of `space.at(θ, t)`.
 * Its buffers are its own variables, as tfjs's optimizers keep theirs; `dispose` frees them.
 */
export class TunedOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'PesTunedOptimizer';
  }

  private readonly slots = new Map<string, tf.Variable[]>();

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
    const t = this.iterations;
    for (const [name, gradient] of entries) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new RangeError(`optimizer: no variable named ${name}`);
      let slots = this.slots.get(name);
      if (!slots) {
        const count = slotsPerWeight(this.space.optimizer);
        slots = tf.tidy(() =>
          Array.from({ length: count }, () => tf.variable(tf.zerosLike(variable), false)),
        );
        this.slots.set(name, slots);
      }
      const buffers = slots;
      tf.tidy(() => {
        const next = innerStep(this.space.optimizer, variable, gradient, buffers, h, t);
        variable.assign(next.weight);
        buffers.forEach((b, i) => b.assign(next.slots[i]!));
      });
    }
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    for (const slots of this.slots.values()) tf.dispose(slots);
    this.slots.clear();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      optimizer: this.space.optimizer,
      theta: Array.from(this.theta),
      horizon: this.space.horizon,
    };
  }
}
