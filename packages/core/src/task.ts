import type { Key } from './random.js';

/**
 * The inner problem as an estimator sees it, vectorised over particles from the start.
 *
 * Layout conventions (row-major, one row per particle):
 * - `thetas`: particles × dim outer parameters, one perturbed θ per particle;
 * - `losses`, `done`: particles × steps; `done[p, k] = 1` means particle p's episode ended
 *   at step k: the loss at step k is the last of that episode and the task has already
 *   re-initialised the particle, so step k + 1 is the first step of a new episode.
 *
 * States are values: `unroll`, `reset` and `gather` return new states and leave their
 * inputs usable. A task whose state owns resources (tensors) implements `dispose`.
 */
export interface Task<S = unknown> {
  readonly name: string;
  /** Number of outer parameters θ. */
  readonly dim: number;
  /** Inner steps per episode; `Infinity` for a problem that never ends. */
  readonly horizon: number;
  /** Whether larger losses are better (rewards): the meta-trainer then ascends. */
  readonly maximize?: boolean;
  /** θ at the start of meta-training (the paper's initial value). */
  initialTheta(): Float64Array;
  /**
   * States for `particles` particles at the start of an episode. `stepOffsets[p]` starts
   * particle p's first episode that many steps in (staggering: episodes of different
   * particles then end at different iterations); it has no effect when `horizon` is infinite.
   */
  init(key: Key, particles: number, options?: InitOptions): S;
  /** Runs every particle `steps` inner steps, particle p with θ row p. */
  unroll(state: S, thetas: Float64Array, steps: number, key: Key): UnrollResult<S>;
  /** A new state in which the particles with `mask[p] = 1` start a fresh episode. */
  reset(state: S, mask: Uint8Array, key: Key): S;
  /** A new state whose particle p is particle `indices[p]` of `state`. */
  gather(state: S, indices: Int32Array): S;
  /** The objective of one full episode from the initial state at unperturbed θ. */
  evaluate(theta: Float64Array, key: Key): Evaluation;
  /** A JSON-encodable copy of a state (typed arrays allowed), for checkpoints. */
  snapshot?(state: S): unknown;
  /** The inverse of `snapshot`. */
  restore?(snapshot: unknown): S;
  /** Frees what a state owns (tensors); states of plain arrays need nothing. */
  dispose?(state: S): void;
  /** Frees what the task itself holds (simulators); the task is not used after it. */
  close?(): void;
  /** Declared when the task can differentiate its unroll exactly (TBPTT, BPTT, PES-A). */
  readonly differentiable?: DifferentiableUnroll<S>;
  /** Declared when the task exposes each step's Jacobians (RTRL, UORO). */
  readonly forwardMode?: ForwardMode<S>;
}

export interface InitOptions {
  stepOffsets?: Int32Array;
}

export interface UnrollResult<S> {
  state: S;
  /** particles × steps */
  losses: Float64Array;
  /** particles × steps, 1 where an episode ended at that step */
  done: Uint8Array;
}

export interface DifferentiableUnroll<S> {
  /**
   * `unroll`, plus for each particle the exact gradient of the sum of its losses over these
   * steps with respect to its θ row, holding the incoming state fixed (truncated backprop).
   */
  unrollWithGradient(
    state: S,
    thetas: Float64Array,
    steps: number,
    key: Key,
  ): UnrollResult<S> & { grads: Float64Array };
}

/** `evalLoss` plus any task-specific figures (accuracy, return, ...). */
export interface Evaluation {
  evalLoss: number;
  [figure: string]: number;
}

/**
 * One inner step's derivatives, for every particle, where the step maps s_t to s_{t+1} and
 * its loss is L_t = ℓ(s_{t+1}, θ) (zero on steps that carry no loss).
 */
export interface StepJacobians {
  /** ∂s_{t+1}/∂s_t: particles × n × n, row-major. */
  stateJacobian: Float64Array;
  /** ∂s_{t+1}/∂θ: particles × n × dim. */
  thetaJacobian: Float64Array;
  /** ∂ℓ/∂s_{t+1}: particles × n. */
  lossStateGradient: Float64Array;
  /** ∂ℓ/∂θ, the loss's direct dependence on θ: particles × dim. */
  lossThetaGradient: Float64Array;
  /** particles: 1 where the particle's episode ended at this step (it is reset after the visit). */
  done: Uint8Array;
}

export interface ForwardMode<S> {
  /** n: the length of each particle's differentiable state. */
  readonly stateSize: number;
  /**
   * `unroll`, calling `visit(k, jacobians)` after step k, before a particle whose episode ended
   * at step k is re-initialised (its new state does not depend on θ).
   */
  unrollWithJacobians(
    state: S,
    thetas: Float64Array,
    steps: number,
    key: Key,
    visit: (step: number, jacobians: StepJacobians) => void,
  ): UnrollResult<S>;
}
