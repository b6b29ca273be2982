import * as tf from '@tensorflow/tfjs';
import { UNWATCHED, type LossWatch } from './loss-watch.js';

/**
 * How `LearnedTfOptimizer` lays its state out in `getWeights` (after tfjs's 'iter'): names that
 * `model.save` stores beside the model's weights and `tf.loadLayersModel` hands back.
 */

/** A tensor with its name, as `tf.Optimizer.getWeights` gives them. */
export type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * One variable's learned-optimizer state. Slots are kept in the order their variables were first
 * updated; `restored` marks a slot read by `setWeights` and not yet bound to a variable of
 * this process (a loaded model's variables are named anew: 'dense_Dense1/kernel_1').
 */
export interface Slot {
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

/** What `getWeights` holds after 'iter'. */
export async function savedState(
  watch: LossWatch,
  slots: readonly Slot[],
  fallback: tf.AdamOptimizer | undefined,
): Promise<NamedTensor[]> {
  const adam = fallback
    ? [
        ...(await fallback.getWeights()).map((w) => ({
          name: FALLBACK_PREFIX + w.name,
          tensor: w.tensor,
        })),
        { name: FALLBACK_BETA_POWERS, tensor: tf.stack(betaPowers(fallback)) },
      ]
    : [];
  return [
    // The first loss in float32, as `minimize` reads it.
    { name: INITIAL_LOSS, tensor: tf.scalar(watch.initialLoss) },
    { name: BLOWN_UP_AT, tensor: tf.scalar(watch.blownUpAt, 'int32') },
    ...slots.flatMap((s) =>
      s.state.map((tensor, j) => ({ name: `${s.name}${STATE_SUFFIX}${j}`, tensor })),
    ),
    ...adam,
  ];
}

export interface SavedState {
  watch: LossWatch;
  /** Restored slots, with tensors of their own (the loader disposes what it hands over). */
  slots: Slot[];
  fallback: NamedTensor[];
  betaPowers: tf.Tensor | undefined;
}

/** Reads back what `savedState` wrote. */
export async function readSavedState(weights: NamedTensor[]): Promise<SavedState> {
  const saved: SavedState = { watch: UNWATCHED, slots: [], fallback: [], betaPowers: undefined };
  for (const { name, tensor } of weights) {
    if (name === INITIAL_LOSS) {
      saved.watch = { ...saved.watch, initialLoss: (await tensor.data())[0]! };
    } else if (name === BLOWN_UP_AT) {
      saved.watch = { ...saved.watch, blownUpAt: (await tensor.data())[0]! };
    } else if (name === FALLBACK_BETA_POWERS) {
      saved.betaPowers = tensor;
    } else if (name.startsWith(FALLBACK_PREFIX)) {
      saved.fallback.push({ name: name.slice(FALLBACK_PREFIX.length), tensor });
    } else {
      const cut = name.lastIndexOf(STATE_SUFFIX);
      if (cut < 0) throw new Error(`'${name}' is not a learned optimizer's state`);
      const slotName = name.slice(0, cut);
      let slot = saved.slots.at(-1);
      if (slot?.name !== slotName)
        saved.slots.push((slot = { name: slotName, state: [], restored: true }));
      slot.state.push(tf.keep(tensor.clone()));
    }
  }
  return saved;
}

/** The fallback Adam as it was saved, or undefined when training had not fallen back. */
export async function restoreFallback(
  learningRate: number,
  saved: SavedState,
): Promise<tf.AdamOptimizer | undefined> {
  if (saved.fallback.length === 0) return undefined;
  const adam = tf.train.adam(learningRate);
  await adam.setWeights(saved.fallback);
  if (saved.betaPowers) {
    const [b1, b2] = await saved.betaPowers.data();
    const [beta1, beta2] = betaPowers(adam);
    tf.tidy(() => {
      beta1.assign(tf.scalar(b1!));
      beta2.assign(tf.scalar(b2!));
    });
  }
  return adam;
}
