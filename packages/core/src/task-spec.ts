import type { Task } from './task.js';

/**
 * A task as the command line and configs see it: a name, one line of description, and its
 * own default for every setting of a meta-training run (the paper's values where it has
 * them), so that `pes meta-train --task NAME` alone runs the paper's experiment.
 */
export interface TaskSpec {
  readonly name: string;
  readonly description: string;
  readonly defaults: RunDefaults;
  /**
   * Settings that differ by estimator (the paper's per-method values, one particle for the
   * deterministic gradient-based methods), applied over `defaults` and under the user's flags.
   */
  readonly estimatorDefaults?: Readonly<Record<string, Partial<RunDefaults>>>;
  /** Task options (beyond `horizon`) this task reads; the command line refuses the others. */
  readonly options?: readonly (keyof TaskOptions)[];
  /** Whether the task computes with tfjs tensors (the app then chooses a backend first). */
  readonly usesTensors?: boolean;
  /** Loads what the task needs before `create` (a physics engine's WebAssembly module). */
  prepare?(): Promise<void>;
  /** Builds the task; `horizon` overrides the default episode length where the task has one. */
  create(options: TaskOptions): Task;
  /** Per θ component, the [low, high] box random search samples from. */
  searchSpace?(options: TaskOptions): [number, number][];
  /** Writes what θ is worth keeping as (a learned optimizer's weights file) into a run directory. */
  saveArtifacts?(theta: Float64Array, dir: string): string[];
  /** θ in the task's own words, for summaries (a schedule's learning rates, say). */
  describeTheta?(theta: ArrayLike<number>, options: TaskOptions): string;
}

/** Settings of the inner problem itself, as the command line passes them. */
export interface TaskOptions {
  horizon?: number;
  /** Dataset name (mnist, cifar10) and the directory of its official files. */
  dataset?: string;
  dataDir?: string;
  /** Layer sizes joined by '-', e.g. 784-100-100-10. */
  arch?: string;
  batchSize?: number;
  activation?: string;
  /** What the inner problem reports as its per-step loss (train-loss, val-loss, val-accuracy). */
  objective?: string;
  /** Learning-rate schedule by name (inverse-time-decay, linear, exponential, piecewise). */
  schedule?: string;
  /** θ to start from, replacing the task's (its length may choose the θ size, e.g. knots). */
  initialTheta?: number[];
}

export type OuterOptimizerName = 'sgd' | 'momentum' | 'adam';

export interface RunDefaults extends TaskOptions {
  estimator: string;
  unrollLength: number;
  particles: number;
  sigma: number;
  antithetic: boolean;
  stagger: boolean;
  fitnessShaping: boolean;
  outerOptimizer: OuterOptimizerName;
  outerLr: number;
  adamB1: number;
  adamB2: number;
  momentum: number;
  /** Clip the meta-gradient's global norm to this (0: no clipping). */
  clipNorm: number;
  iterations: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
}
