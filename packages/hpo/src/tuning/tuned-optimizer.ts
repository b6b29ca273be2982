import * as tf from '@tensorflow/tfjs';
import { layerRate, type InnerOptimizerName } from './hyperparameters.js';
import { innerStep, slotsPerWeight } from './inner-optimizers.js';
import { trainableLayers } from './model-layers.js';
import { resolveSearchSpace, type ResolvedSpace, type SearchSpace } from './search-space.js';

/** A tensor with its name, as optimizers' getWeights and setWeights take them. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * A tf.Optimizer that trains a new model with tuned hyperparameters: `space.optimizer`'s update
 * (momentum SGD or Adam, with weight decay), exactly the one the task's particles took, its
 * hyperparameters at step t (counted by this optimizer's `iterations`) those of `space.at(θ, t)`.
 *
 * As tfjs's own optimizers do, it keeps its buffers as variables, one set per position in the
 * gradients it is given (model.fit gives them in the model's order), and `getWeights` /
 * `setWeights` carry them with the step count; `getConfig` carries θ and the search space, and
 * the class is registered, so `model.save(handler, { includeOptimizer: true })` and
 * `tf.loadLayersModel` resume training exactly. Per-layer learning rates need `model`, the model
 * it will train, to know which layer each weight belongs to (saved as the layer of each position).
 */
export class TunedOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'PesTunedOptimizer';
  }

  /** Per gradient position: the buffers of that weight. */
  private slots: tf.Variable[][] = [];
  /** Per gradient position, the layer whose factor applies (empty when none is tuned). */
  private readonly layerOf: readonly number[];
  /** Tensors made for the last `getWeights` (the step count): freed at the next one. */
  private madeForSave: tf.Tensor[] = [];

  constructor(
    private readonly space: ResolvedSpace,
    private readonly theta: Float64Array,
    model?: tf.LayersModel,
    /** The layer of each gradient position, as a saved config holds it (instead of `model`). */
    layerOf?: readonly number[],
  ) {
    super();
    if (space.layers.length === 0) {
      this.layerOf = [];
      return;
    }
    if (layerOf) {
      this.layerOf = layerOf;
      return;
    }
    if (!model) {
      throw new RangeError('optimizer(model): per-layer learning rates need the model to train');
    }
    const layers = trainableLayers(model);
    if (layers.names.length !== space.layers.length) {
      throw new RangeError(
        `optimizer(model): the model has ${layers.names.length} layers with weights, the tuned factors are for ${space.layers.length}`,
      );
    }
    this.layerOf = layers.layerOf;
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
    entries.forEach(([name, gradient], i) => {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new RangeError(`optimizer: no variable named ${name}`);
      const count = slotsPerWeight(this.space.optimizer);
      this.slots[i] ??= tf.tidy(() =>
        Array.from({ length: count }, () => tf.variable(tf.zerosLike(variable), false)),
      );
      const buffers = this.slots[i];
      tf.tidy(() => {
        const layer = this.layerOf[i];
        const hi = layer === undefined ? h : { ...h, learningRate: layerRate(h, layer) };
        const next = innerStep(this.space.optimizer, variable, gradient, buffers, hi, t);
        variable.assign(next.weight);
        buffers.forEach((b, j) => b.assign(next.slots[j]!));
      });
    });
    this.incrementIterations();
  }

  /** The step count, then each position's buffers in order. */
  override async getWeights(): Promise<NamedTensor[]> {
    tf.dispose(this.madeForSave);
    const iterations = await this.saveIterations();
    this.madeForSave = [iterations.tensor];
    return [
      iterations,
      ...this.slots.flatMap((buffers, i) =>
        buffers.map((b, j) => ({ name: `pes-tuned/${i}/${j}`, tensor: b as tf.Tensor })),
      ),
    ];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const count = slotsPerWeight(this.space.optimizer);
    if (rest.length % count !== 0) {
      throw new RangeError(
        `optimizer: ${rest.length} saved buffers, not a multiple of the ${count} each weight has`,
      );
    }
    this.disposeSlots();
    for (let i = 0; i < rest.length; i += count) {
      this.slots.push(rest.slice(i, i + count).map((w) => tf.variable(w.tensor, false)));
    }
  }

  override dispose(): void {
    super.dispose();
    tf.dispose(this.madeForSave);
    this.madeForSave = [];
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const buffers of this.slots) tf.dispose(buffers);
    this.slots = [];
  }

  /** θ as plain numbers (JSON keeps float64 exactly), the search space and the layer map. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      optimizer: this.space.optimizer,
      horizon: this.space.horizon,
      space: this.space.given as tf.serialization.ConfigDict,
      layers: [...this.space.layers],
      layerOf: [...this.layerOf],
      theta: Array.from(this.theta),
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const numbers = (v: unknown): v is number[] =>
      Array.isArray(v) && v.every((x) => typeof x === 'number');
    const { optimizer, horizon, space, layers, layerOf, theta } = config;
    if (!numbers(theta) || !numbers(layerOf) || typeof horizon !== 'number')
      throw new TypeError(
        `${TunedOptimizer.className} config: theta, layerOf and horizon must be numbers`,
      );
    if (!Array.isArray(layers) || !layers.every((l) => typeof l === 'string'))
      throw new TypeError(`${TunedOptimizer.className} config: layers must be names`);
    const resolved = resolveSearchSpace(
      space as SearchSpace,
      horizon,
      optimizer as InnerOptimizerName,
      layers as string[],
    );
    if (resolved.dim !== theta.length)
      throw new TypeError(
        `${TunedOptimizer.className} config: θ has ${theta.length} numbers, the search space ${resolved.dim}`,
      );
    return new cls(resolved, Float64Array.from(theta), undefined, layerOf);
  }
}

// tfjs looks optimizers up by class name when it loads a saved training config.
tf.serialization.registerClass(TunedOptimizer);
