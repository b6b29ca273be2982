import type { z } from 'zod';
import type { RunSettings } from './run/run-settings.js';
import type { Task } from './task.js';

/**
 * A task as the command line, configs and the playground see it: a name, one line of
 * description, the options it reads (its own schema), its defaults as overrides of the shared
 * base run settings (the paper's values where it has them), and the figures it reports. The
 * implementation is loaded only when a run builds the task, so listing the registry, printing
 * help or refusing a bad config loads no tensor library, no simulator and no dataset.
 */
export interface TaskSpec<O extends object = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  /**
   * The options this task reads, beyond the shared run settings: every field optional, each
   * with a description (and `meta` for its flag). A setting not in here is refused for this task.
   */
  readonly options: z.ZodObject;
  /** Where this task's runs differ from `baseRunSettings`, and its options' defaults. */
  readonly defaults: Partial<RunSettings> & Partial<O>;
  /**
   * Settings that differ by estimator (the paper's per-method values, one particle for the
   * deterministic gradient-based methods), applied over `defaults` and under the user's settings.
   */
  readonly estimatorDefaults?: Readonly<Record<string, Partial<RunSettings> & Partial<O>>>;
  /**
   * The episode length in words, where no single default T says it (a task family draws T per
   * episode); otherwise `defaults.horizon`, or never-ending without one.
   */
  readonly horizonInWords?: string;
  /** Evaluation figures beyond `evalLoss`, by key, with the words reports use for them. */
  readonly figures?: readonly TaskFigure[];
  /** Whether the task computes with tfjs tensors (the app then chooses a backend first). */
  readonly usesTensors?: boolean;
  /**
   * Where `backend: auto` should compute this task, as `pes bench backends` measured it:
   * `native` (tfjs-node, the default) or `wasm`, where the task's tensors are so small that
   * tfjs-node's fixed cost per op outweighs its faster kernels.
   */
  preferredBackend?(options: O): 'native' | 'wasm';
  /**
   * Whether a run splits its particles over one worker thread per core by default: true where
   * an unroll takes milliseconds (networks, physics). A typed-array task's unroll takes
   * microseconds, less than a round trip to a worker, so it stays in one thread unless asked.
   */
  readonly parallel?: boolean;
  /**
   * Data every worker thread of a run may share, loaded once by the process that starts them
   * (a dataset's bytes in SharedArrayBuffers); `create` then takes it instead of loading its own.
   */
  sharedData?(options: O): Promise<unknown>;
  /** Builds the task (loading its implementation, a physics engine, a dataset) from its options. */
  create(options: O, shared?: unknown): Promise<Task>;
  /** Per θ component, the [low, high] box random search samples from. */
  searchSpace?(options: O): [number, number][];
  /**
   * Files worth keeping θ as (a learned optimizer's weights), by name, for the run directory;
   * `options` are the run's task options (what the file may record beside θ).
   */
  artifacts?(theta: Float64Array, options: O): Promise<TaskArtifact[]>;
  /**
   * The memory a run holds beyond the unroll's losses, from its settings (its own options
   * merged over the run settings), so that a run too large for the machine is refused before it
   * starts. None: a few numbers per particle.
   */
  memory?(settings: O & RunSettings): TaskMemory;
  /** θ in the task's own words, for summaries (a schedule's learning rates, say). */
  describeTheta?(theta: ArrayLike<number>, options: O): string;
}

/** What a task's runs hold in memory, as its spec declares it (`TaskSpec.memory`). */
export interface TaskMemory {
  /** Bytes each particle keeps: its inner state (a network and its optimizer's slots, a simulator) and its step's temporaries. */
  readonly perParticle: number;
  /** Bytes a run holds once, whatever the particles (a dataset). */
  readonly shared: number;
}

export interface TaskFigure {
  /** The key in `Evaluation` (`valAccuracy`). */
  readonly key: string;
  /** The figure in words (`val accuracy`). */
  readonly label: string;
}

export interface TaskArtifact {
  /** A file name inside the run directory. */
  readonly file: string;
  readonly contents: string;
}

/**
 * A task spec with its option types inferred from its schema, and the options it gives a
 * default (`defaults`) typed as present: a run is resolved before any of the spec's functions
 * see its options (`resolveRun`), so task code never restates a default. The registry holds it
 * as the general `TaskSpec`.
 */
export function defineTask<
  S extends z.ZodObject,
  D extends Partial<RunSettings> & Partial<OptionsOf<S>> = Record<never, never>,
>(spec: TaskSpec<WithDefaults<OptionsOf<S>, D>> & { options: S; defaults: D }): TaskSpec {
  return spec as unknown as TaskSpec;
}

/** A schema's fields; none (rather than an index signature) for a task without options. */
type OptionsOf<S extends z.ZodObject> = string extends keyof z.output<S>
  ? Record<never, never>
  : z.output<S>;

/** Options whose defaulted fields are present. */
type WithDefaults<O extends object, D> = O & {
  [K in keyof D & keyof O]-?: Exclude<O[K], undefined>;
};
