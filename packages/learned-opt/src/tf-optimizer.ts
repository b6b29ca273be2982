import * as tf from '@tensorflow/tfjs';
import { applyTensorUpdates, type TensorOptimizer } from '@pes/inner-problems';
import { mlpLearnedOptimizer } from './mlp-lopt.js';
import type { TensorLearnedOptimizer } from './tensor-learned-optimizer.js';
import {
  blowUpMessage,
  DEFAULT_BLOW_UP_FACTOR,
  UNWATCHED,
  watchLoss,
  type LossWatch,
} from './loss-watch.js';

/** A tensor with its name, as `tf.Optimizer.getWeights` gives them. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** How `LearnedTfOptimizer` is built beyond θ. */
export interface LearnedTfOptimizerOptions {
  /** The optimizer that θ describes; by default the MLP learned optimizer (the only one `fromConfig` rebuilds). */
  learnedOptimizer?: TensorLearnedOptimizer;
  /**
   * Training has blown up when its loss is over this many times its first value, or is not
   * finite (see loss-watch.ts); default 10. `null`: no watch (and no read-back of the loss).
   */
  blowUpFactor?: number | null;
  /** 'adam': after a blow-up, Adam trains for the rest of training; by default the learned optimizer goes on. */
  fallback?: 'adam' | null;
  /** The fallback Adam's learning rate; default 1e-3. */
  fallbackLearningRate?: number;
  /** Hears the one warning said on a blow-up; default `console.warn`. Not saved with the config. */
  onWarning?: (message: string) => void;
}

const DEFAULT_FALLBACK_LEARNING_RATE = 1e-3;

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
/** `getWeights`' names of the loss watch, and the prefix of the fallback Adam's weights. */
const INITIAL_LOSS = 'pes_lopt/initial_loss';
const BLOWN_UP_AT = 'pes_lopt/blown_up_at';
const FALLBACK_PREFIX = 'pes_lopt_fallback/';
const FALLBACK_BETA_POWERS = 'pes_lopt_fallback_beta_powers';

/**
 * Adam's running β₁ᵗ and β₂ᵗ. tfjs's Adam does not save them: its `setWeights` recomputes them
 * as pow(β, t), which differs in the last bits of float32 from the product it kept, so a resumed
 * Adam would step differently. This saves and restores them as they were.
 */
function betaPowers(adam: tf.AdamOptimizer): [tf.Variable, tf.Variable] {
  const { accBeta1, accBeta2 } = adam as unknown as {
    accBeta1: tf.Variable;
    accBeta2: tf.Variable;
  };
  return [accBeta1, accBeta2];
}

/**
 * A trained MLP learned optimizer as an ordinary `tf.Optimizer`, so that
 * `model.compile({ optimizer, loss })` and `model.fit` of a tfjs-layers model train with it.
 * Each variable keeps its optimizer state; the step count is this optimizer's `iterations`,
 * the number of updates it applied. `getWeights`/`setWeights` carry both, `getConfig` carries θ,
 * and the class is registered with tfjs, so `model.save(handler, { includeOptimizer: true })`
 * and `tf.loadLayersModel` resume training exactly.
 *
 * On a model it never saw, it watches the training loss (read in `minimize`, which `model.fit`
 * calls; a custom loop that calls `applyGradients` reports it with `reportLoss`), warns once
 * through `onWarning` when training blows up, and with `fallback: 'adam'` hands the rest of
 * training to Adam.
 */
export class LearnedTfOptimizer extends tf.Optimizer {
  static readonly className = 'PesLearnedOptimizer';

  private readonly optimizer: TensorOptimizer;
  private readonly theta: Float64Array;
  private slots: Slot[] = [];
  private readonly blowUpFactor: number | null;
  private readonly fallback: 'adam' | null;
  private readonly fallbackLearningRate: number;
  private readonly onWarning: (message: string) => void;
  private watch: LossWatch = UNWATCHED;
  private fallbackOptimizer: tf.AdamOptimizer | undefined;

  constructor(theta: Float64Array, options: LearnedTfOptimizerOptions = {}) {
    super();
    this.blowUpFactor =
      options.blowUpFactor === undefined ? DEFAULT_BLOW_UP_FACTOR : options.blowUpFactor;
    this.fallback = options.fallback ?? null;
    this.fallbackLearningRate = options.fallbackLearningRate ?? DEFAULT_FALLBACK_LEARNING_RATE;
    this.onWarning = options.onWarning ?? ((message) => console.warn(message));
    const lopt = options.learnedOptimizer ?? mlpLearnedOptimizer;
    if (theta.length !== lopt.dim)
      throw new RangeError(`${lopt.name} θ has ${lopt.dim} numbers, got ${theta.length}`);
    this.theta = theta.slice();
    this.optimizer = lopt.optimizer(this.theta);
  }

  /** tf.Optimizer's `minimize`, reading the loss for the watch between gradients and update. */
  override minimize(
    f: () => tf.Scalar,
    returnCost = false,
    varList?: tf.Variable[],
  ): tf.Scalar | null {
    const { value, grads } = this.computeGradients(f, varList);
    if (this.blowUpFactor !== null && this.watch.blownUpAt < 0)
      this.reportLoss(value.dataSync()[0]!);
    this.applyGradients(
      varList ? varList.map((v) => ({ name: v.name, tensor: grads[v.name]! })) : grads,
    );
    tf.dispose(grads);
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /**
   * The training loss at the parameters the next update starts from (call it before
   * `applyGradients`); warns once if training has blown up, and switches to the fallback.
   */
  reportLoss(loss: number): void {
    if (this.blowUpFactor === null) return;
    const before = this.watch;
    this.watch = watchLoss(before, loss, this.iterations, this.blowUpFactor);
    if (before.blownUpAt >= 0 || this.watch.blownUpAt < 0) return;
    const fallback = this.fallback && `Adam (learning rate ${this.fallbackLearningRate})`;
    this.onWarning(blowUpMessage(this.watch, loss, this.blowUpFactor, fallback ?? undefined));
    if (this.fallback === 'adam') this.fallbackOptimizer = tf.train.adam(this.fallbackLearningRate);
  }

  /** Whether the fallback trains now, after a blow-up. */
  get fellBack(): boolean {
    return this.fallbackOptimizer !== undefined;
  }

  override applyGradients(
    variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  ): void {
    if (this.fallbackOptimizer) {
      // Adam reads a map or a list of named tensors, as this does.
      this.fallbackOptimizer.applyGradients(
        variableGradients as Parameters<tf.AdamOptimizer['applyGradients']>[0],
      );
      this.incrementIterations();
      return;
    }
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

  /**
   * The step count ('iter', as tfjs's optimizers save it), the loss watch (its first loss in
   * float32, as `minimize` reads it), every slot's state tensors, then the fallback's weights.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const fallback = this.fallbackOptimizer
      ? [
          ...(await this.fallbackOptimizer.getWeights()).map((w) => ({
            name: FALLBACK_PREFIX + w.name,
            tensor: w.tensor,
          })),
          { name: FALLBACK_BETA_POWERS, tensor: tf.stack(betaPowers(this.fallbackOptimizer)) },
        ]
      : [];
    return [
      await this.saveIterations(),
      { name: INITIAL_LOSS, tensor: tf.scalar(this.watch.initialLoss) },
      { name: BLOWN_UP_AT, tensor: tf.scalar(this.watch.blownUpAt, 'int32') },
      ...this.slots.flatMap((s) =>
        s.state.map((tensor, j) => ({ name: `${s.name}${STATE_SUFFIX}${j}`, tensor })),
      ),
      ...fallback,
    ];
  }

  /** Restores what `getWeights` gave; slots bind to the variables on the next update. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const slots: Slot[] = [];
    const fallback: NamedTensor[] = [];
    let watch = UNWATCHED;
    let betas: tf.Tensor | undefined;
    for (const { name, tensor } of rest) {
      if (name === INITIAL_LOSS) {
        watch = { ...watch, initialLoss: (await tensor.data())[0]! };
        continue;
      }
      if (name === BLOWN_UP_AT) {
        watch = { ...watch, blownUpAt: (await tensor.data())[0]! };
        continue;
      }
      if (name === FALLBACK_BETA_POWERS) {
        betas = tensor;
        continue;
      }
      if (name.startsWith(FALLBACK_PREFIX)) {
        fallback.push({ name: name.slice(FALLBACK_PREFIX.length), tensor });
        continue;
      }
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
    this.watch = watch;
    this.fallbackOptimizer?.dispose();
    this.fallbackOptimizer = undefined;
    if (fallback.length > 0) {
      this.fallbackOptimizer = tf.train.adam(this.fallbackLearningRate);
      await this.fallbackOptimizer.setWeights(fallback);
      const [beta1, beta2] = betaPowers(this.fallbackOptimizer);
      if (betas) {
        const [b1, b2] = await betas.data();
        beta1.assign(tf.scalar(b1!));
        beta2.assign(tf.scalar(b2!));
      }
    }
  }

  override dispose(): void {
    this.disposeSlots();
    this.fallbackOptimizer?.dispose();
  }

  private disposeSlots(): void {
    for (const slot of this.slots) tf.dispose(slot.state);
    this.slots = [];
  }

  /**
   * θ as plain numbers (JSON keeps float64 exactly) and the settings, so a saved training config
   * rebuilds the optimizer; `onWarning` is a function and is not saved.
   */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      theta: Array.from(this.theta),
      blowUpFactor: this.blowUpFactor,
      fallback: this.fallback,
      fallbackLearningRate: this.fallbackLearningRate,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const theta = config['theta'];
    if (!Array.isArray(theta) || !theta.every((v) => typeof v === 'number'))
      throw new TypeError(`${LearnedTfOptimizer.className} config: theta must be numbers`);
    const options: LearnedTfOptimizerOptions = {};
    const factor = config['blowUpFactor'];
    if (typeof factor === 'number' || factor === null) options.blowUpFactor = factor;
    if (config['fallback'] === 'adam') options.fallback = 'adam';
    const rate = config['fallbackLearningRate'];
    if (typeof rate === 'number') options.fallbackLearningRate = rate;
    return new cls(Float64Array.from(theta as number[]), options);
  }
}

// tfjs looks optimizers up by class name when it loads a saved training config; registering
// again (a second copy of this module) only replaces the entry.
tf.serialization.registerClass(LearnedTfOptimizer);
