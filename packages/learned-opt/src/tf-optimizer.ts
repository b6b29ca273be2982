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
import {
  readSavedState,
  restoreFallback,
  savedState,
  type NamedTensor,
  type Slot,
} from './tf-optimizer-weights.js';
import { checkStepKnobs, withStepKnobs, type StepKnobs } from './step-knobs.js';

/** How `LearnedTfOptimizer` is built beyond θ (and its step knobs, step-knobs.ts). */
export interface LearnedTfOptimizerOptions extends StepKnobs {
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
  static readonly className: string = 'PesLearnedOptimizer';

  private readonly optimizer: TensorOptimizer;
  private readonly theta: Float64Array;
  private readonly knobs: Required<StepKnobs>;
  private slots: Slot[] = [];
  private readonly blowUpFactor: number | null;
  private readonly fallback: 'adam' | null;
  private readonly fallbackLearningRate: number;
  private readonly onWarning: (message: string) => void;
  private watch: LossWatch = UNWATCHED;
  private fallbackOptimizer: tf.AdamOptimizer | undefined;
  /** Tensors the last `getWeights` made (see there). */
  private madeForSave: tf.Tensor[] = [];

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
    this.knobs = checkStepKnobs(options);
    this.optimizer = withStepKnobs(lopt.optimizer(this.theta), this.knobs);
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
    const stepped = entries.flatMap(([name, gradient], i) => {
      const variable = tf.engine().registeredVariables[name];
      return variable ? [{ gradient, variable, slot: this.slotFor(name, i, variable) }] : [];
    });
    // One update over every variable, as the suite and meta-training call it: the learned
    // optimizer's weights are made once a step rather than once a variable, and an update that
    // reads the whole network (the depth scale counts its weight tensors) sees all of it. Each
    // variable's state stays its slot's: the update returns the states in the order it was
    // handed them, each as many tensors as its slot holds.
    const next = tf.tidy(() => {
      const variables = stepped.map((s) => s.variable);
      const r = this.optimizer.update(
        stepped.map((s) => s.gradient),
        stepped.flatMap((s) => s.slot.state),
        variables,
        this.iterations,
      );
      applyTensorUpdates(variables, r.updates).forEach((p, i) => variables[i]!.assign(p));
      return r.state;
    });
    let at = 0;
    for (const { slot } of stepped) {
      const own = next.slice(at, at + slot.state.length);
      at += own.length;
      tf.dispose(slot.state);
      slot.state = own.map((t) => tf.keep(t));
    }
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
   * The step count ('iter', as tfjs's optimizers save it), then the loss watch, every slot's
   * state and the fallback's weights (tf-optimizer-weights.ts).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    // `model.save` never disposes what this hands it. The tensors made here (the step count, the
    // watch's scalars, the fallback's count and β powers) are kept until the next call or
    // `dispose`, so that saving leaves no tensor behind; slot states and Adam's variables are
    // this optimizer's own and are handed over as they are.
    tf.dispose(this.madeForSave);
    const weights = [
      await this.saveIterations(),
      ...(await savedState(this.watch, this.slots, this.fallbackOptimizer)),
    ];
    const own = new Set(this.slots.flatMap((s) => s.state.map((t) => t.id)));
    this.madeForSave = weights
      .map((w) => w.tensor)
      .filter((t) => !own.has(t.id) && !(t instanceof tf.Variable));
    return weights;
  }

  /** Restores what `getWeights` gave; slots bind to the variables on the next update. */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const saved = await readSavedState(await this.extractIterations(weightValues));
    this.disposeSlots();
    this.slots = saved.slots;
    this.watch = saved.watch;
    this.fallbackOptimizer?.dispose();
    this.fallbackOptimizer = await restoreFallback(this.fallbackLearningRate, saved);
  }

  override dispose(): void {
    tf.dispose(this.madeForSave);
    this.madeForSave = [];
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
      stepScale: this.knobs.stepScale,
      // JSON has no Infinity: null is "never held".
      stepFeatureLimit: Number.isFinite(this.knobs.stepFeatureLimit)
        ? this.knobs.stepFeatureLimit
        : null,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { theta, options } = learnedTfOptionsFromConfig(config, LearnedTfOptimizer.className);
    return new cls(theta, options);
  }
}

/**
 * θ and the options a saved config holds (`getConfig`), checked; what is missing or of the wrong
 * type is left at its default. Shared with the optimizers built on this one.
 */
export function learnedTfOptionsFromConfig(
  config: tf.serialization.ConfigDict,
  className: string,
): { theta: Float64Array; options: LearnedTfOptimizerOptions } {
  const theta = config['theta'];
  if (!Array.isArray(theta) || !theta.every((v) => typeof v === 'number'))
    throw new TypeError(`${className} config: theta must be numbers`);
  const options: LearnedTfOptimizerOptions = {};
  const factor = config['blowUpFactor'];
  if (typeof factor === 'number' || factor === null) options.blowUpFactor = factor;
  if (config['fallback'] === 'adam') options.fallback = 'adam';
  const rate = config['fallbackLearningRate'];
  if (typeof rate === 'number') options.fallbackLearningRate = rate;
  const scale = config['stepScale'];
  if (typeof scale === 'number') options.stepScale = scale;
  const limit = config['stepFeatureLimit'];
  if (typeof limit === 'number') options.stepFeatureLimit = limit;
  return { theta: Float64Array.from(theta as number[]), options };
}

// tfjs looks optimizers up by class name when it loads a saved training config; registering
// again (a second copy of this module) only replaces the entry.
tf.serialization.registerClass(LearnedTfOptimizer);
