import * as tf from '@tensorflow/tfjs';
import { layerRate } from './hyperparameters.js';
import { innerStep, slotsPerWeight } from './inner-optimizers.js';
import { trainableLayers } from './model-layers.js';
import type { ResolvedSpace } from './search-space.js';

/**
 * A tf.Optimizer that trains a new model with tuned hyperparameters: `space.optimizer`'s update
 * (momentum SGD or Adam, with weight decay), exactly the one the task's particles took, its
 * hyperparameters at step t (counted by this optimizer's `iterations`) those of `space.at(θ, t)`.
 * Its buffers are its own variables, as tfjs's optimizers keep theirs; `dispose` frees them.
 * Per-layer learning rates need `model`, the model it will train, to know each variable's layer:
 * its layers with trainable weights take the tuned factors in order.
 */
export class TunedOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'PesTunedOptimizer';
  }

  private readonly slots = new Map<string, tf.Variable[]>();
  /** The layer index of each variable the per-layer factors apply to. */
  private readonly layerOfVariable = new Map<string, number>();

  constructor(
    private readonly space: ResolvedSpace,
    private readonly theta: Float64Array,
    model?: tf.LayersModel,
  ) {
    super();
    if (space.layers.length === 0) return;
    if (!model) {
      throw new RangeError('optimizer(model): per-layer learning rates need the model to train');
    }
    const { names, layerOf } = trainableLayers(model);
    if (names.length !== space.layers.length) {
      throw new RangeError(
        `optimizer(model): the model has ${names.length} layers with weights, the tuned factors are for ${space.layers.length}`,
      );
    }
    model.trainableWeights.forEach((w, i) =>
      this.layerOfVariable.set((w.read() as tf.Variable).name, layerOf[i]!),
    );
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
        const layer = this.layerOfVariable.get(name);
        const hi = layer === undefined ? h : { ...h, learningRate: layerRate(h, layer) };
        const next = innerStep(this.space.optimizer, variable, gradient, buffers, hi, t);
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
