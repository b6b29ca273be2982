import * as tf from '@tensorflow/tfjs';
import { applyTensorUpdates, type TensorOptimizer } from '@pes/inner-problems';
import { mlpLearnedOptimizer } from './mlp-lopt.js';
import type { TensorLearnedOptimizer } from './tensor-learned-optimizer.js';

/** A tensor with its name, as `tf.Optimizer.getWeights` gives them. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** How `LearnedTfOptimizer` is built beyond θ. */
export interface LearnedTfOptimizerOptions {
  /** The optimizer that θ describes; by default the MLP learned optimizer (the only one `fromConfig` rebuilds). */
  learnedOptimizer?: TensorLearnedOptimizer;
}

/**
 * One variable's learned-optimizer state. Slots are kept in the order their variables were first
 * updated; `restored` marks a slot read by `setWeights` and not yet bound to a variable of
 * this process (a loaded model's variables are named anew: 'dense_Dense1/kernel_1').
 */
interface Slot {
  name: string;
  state: tf.Tensor[];
  restored: boolean;
}

/** Separates a slot's name from the index of its state tensor in `getWeights`' names. */
const STATE_SUFFIX = '/pes_lopt_state_';

/**
 * A trained MLP learned optimizer as an ordinary `tf.Optimizer`, so that
 * `model.compile({ optimizer, loss })` and `model.fit` of a tfjs-layers model train with it.
 * Each variable keeps its optimizer state; the step count is this optimizer's `iterations`,
 * the number of updates it applied. `getWeights`/`setWeights` carry both, `getConfig` carries θ,
 * and the class is registered with tfjs, so `model.save(handler, { includeOptimizer: true })`
 * and `tf.loadLayersModel` resume training exactly.
 */
export class LearnedTfOptimizer extends tf.Optimizer {
  static readonly className = 'PesLearnedOptimizer';

  private readonly optimizer: TensorOptimizer;
  private readonly theta: Float64Array;
  private slots: Slot[] = [];

  constructor(theta: Float64Array, options: LearnedTfOptimizerOptions = {}) {
    super();
    const lopt = options.learnedOptimizer ?? mlpLearnedOptimizer;
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
    const step = this.iterations;
    entries.forEach(([name, gradient], i) => {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) return;
      const slot = this.slotFor(name, i, variable);
      const next = tf.tidy(() => {
        const r = this.optimizer.update([gradient], slot.state, [variable], step);
        variable.assign(applyTensorUpdates([variable], r.updates)[0]!);
        return r.state;
      });
      tf.dispose(slot.state);
      slot.state = next.map((t) => tf.keep(t));
    });
    this.incrementIterations();
  }

  /**
   * The variable's slot: its own by name, else a restored one at the same position (the order
   * a model hands its variables over is its `trainableWeights` order, as tfjs's own optimizers
   * assume), else a fresh one.
   */
  private slotFor(name: string, position: number, variable: tf.Variable): Slot {
    const own = this.slots.find((s) => s.name === name);
    if (own) return own;
    const restored = this.slots[position];
    if (restored?.restored) {
      const rows = restored.state[0]?.shape[0];
      if (rows !== variable.size) {
        throw new Error(
          `optimizer state '${restored.name}' is for ${rows} parameters; variable '${name}' at its position has ${variable.size}`,
        );
      }
      restored.name = name;
      restored.restored = false;
      return restored;
    }
    const slot = {
      name,
      state: tf.tidy(() => this.optimizer.init([variable])).map((t) => tf.keep(t)),
      restored: false,
    };
    this.slots.push(slot);
    return slot;
  }

  /** The step count ('iter', as tfjs's optimizers save it), then every slot's state tensors. */
  override async getWeights(): Promise<NamedTensor[]> {
    return [
      await this.saveIterations(),
      ...this.slots.flatMap((s) =>
        s.state.map((tensor, j) => ({ name: `${s.name}${STATE_SUFFIX}${j}`, tensor })),
      ),
    ];
  }

  /** Restores what `getWeights` gave; slots bind to the variables on the next update. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const slots: Slot[] = [];
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf(STATE_SUFFIX);
      if (cut < 0) throw new Error(`'${name}' is not a learned optimizer's state`);
      const slotName = name.slice(0, cut);
      let slot = slots.at(-1);
      if (slot?.name !== slotName)
        slots.push((slot = { name: slotName, state: [], restored: true }));
      // The loader disposes what it hands over.
      slot.state.push(tf.keep(tensor.clone()));
    }
    this.disposeSlots();
    this.slots = slots;
  }

  override dispose(): void {
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const slot of this.slots) tf.dispose(slot.state);
    this.slots = [];
  }

  /** θ as plain numbers (JSON keeps float64 exactly), so a saved training config rebuilds it. */
  override getConfig(): tf.serialization.ConfigDict {
    return { theta: Array.from(this.theta) };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const theta = config['theta'];
    if (!Array.isArray(theta) || !theta.every((v) => typeof v === 'number'))
      throw new TypeError(`${LearnedTfOptimizer.className} config: theta must be numbers`);
    return new cls(Float64Array.from(theta as number[]));
  }
}

// tfjs looks optimizers up by class name when it loads a saved training config; registering
// again (a second copy of this module) only replaces the entry.
tf.serialization.registerClass(LearnedTfOptimizer);
