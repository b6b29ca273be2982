import type { GradientEstimator } from './estimators/types.js';
import { yieldToEventLoop } from './event-loop.js';
import { applyUpdates, type GradientTransformation } from './optimizers/types.js';
import { assertKey, foldIn, makeKey, split, type Key } from './random.js';
import type { Evaluation, Task } from './task.js';

export interface MetaTrainSettings {
  /** Outer iterations (estimates and θ updates) in the whole run. */
  iterations: number;
  /** Evaluate θ every this many iterations (and always at the start and the end); 0: never between. */
  evalEvery: number;
  seed: number;
  /** Ascend instead of descend (defaults to the task's `maximize`). */
  maximize?: boolean;
}

export interface HistoryEntry {
  iteration: number;
  theta: number[];
  /** The estimator's meta-loss at that iteration (null at iteration 0, before any estimate). */
  metaLoss: number | null;
  evaluation: Evaluation;
}

export interface MetaTrainCounters {
  /** Inner steps taken by the estimator so far, over all particles. */
  innerSteps: number;
  /** Particles left out of estimates (and reset) because a loss was not finite. */
  nonFiniteParticles: number;
  /** Iterations whose update was skipped because the gradient was not finite. */
  skippedUpdates: number;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface MetaTrainState<E = unknown> {
  iteration: number;
  theta: Float64Array;
  optimizer: unknown;
  estimator: E;
  /** Iteration i uses foldIn(loopKey, i): a resumed run draws the very same numbers. */
  loopKey: Key;
  /** Every evaluation uses this key, so evaluations differ only through θ. */
  evalKey: Key;
  history: HistoryEntry[];
  counters: MetaTrainCounters;
}

export interface IterationRecord {
  iteration: number;
  metaLoss: number;
  gradNorm: number;
  theta: number[];
  /** Inner steps taken so far, and by this iteration's estimate. */
  innerSteps: number;
  innerStepsThisIteration: number;
  nonFiniteParticles: number;
  skipped: boolean;
  /** Present on iterations that evaluated θ. */
  evaluation?: Evaluation;
}

export interface MetaTrainer<E = unknown> {
  /** Iterations of a whole run. */
  readonly iterations: number;
  init(): MetaTrainState<E>;
  /** One outer iteration: estimate, update θ, maybe evaluate. Disposes the replaced estimator state. */
  step(state: MetaTrainState<E>): { state: MetaTrainState<E>; record: IterationRecord };
  isFinished(state: MetaTrainState<E>): boolean;
  snapshot(state: MetaTrainState<E>): unknown;
  restore(snapshot: unknown): MetaTrainState<E>;
  dispose(state: MetaTrainState<E>): void;
}

function assertSettings(settings: MetaTrainSettings): void {
  if (!Number.isInteger(settings.iterations) || settings.iterations < 0) {
    throw new RangeError(`iterations must be a non-negative integer, got ${settings.iterations}`);
  }
  if (!Number.isInteger(settings.evalEvery) || settings.evalEvery < 0) {
    throw new RangeError(`eval-every must be a non-negative integer, got ${settings.evalEvery}`);
  }
  if (!Number.isInteger(settings.seed))
    throw new RangeError(`seed must be an integer, got ${settings.seed}`);
}

function norm(x: Float64Array): number {
  let sq = 0;
  for (const v of x) sq += v * v;
  return Math.sqrt(sq);
}

/**
 * The outer loop of meta-training, as pure steps over an explicit state: ask the estimator for
 * a gradient, apply the outer optimizer, evaluate every `evalEvery` iterations. A gradient that
 * is not finite never reaches θ: the update is skipped and counted.
 */
export function createMetaTrainer<E>(options: {
  task: Task;
  estimator: GradientEstimator<E>;
  optimizer: GradientTransformation;
  settings: MetaTrainSettings;
}): MetaTrainer<E> {
  const { task, estimator, optimizer, settings } = options;
  assertSettings(settings);
  const maximize = settings.maximize ?? task.maximize ?? false;

  const evaluate = (
    theta: Float64Array,
    iteration: number,
    metaLoss: number | null,
    evalKey: Key,
  ) => {
    const evaluation = task.evaluate(theta, evalKey);
    const entry: HistoryEntry = { iteration, theta: Array.from(theta), metaLoss, evaluation };
    return { evaluation, entry };
  };

  return {
    iterations: settings.iterations,
    init() {
      const [estimatorKey, loopKey, evalKey] = split(makeKey(settings.seed), 3) as [Key, Key, Key];
      const theta = task.initialTheta();
      if (theta.length !== task.dim) {
        throw new RangeError(
          `${task.name}: initial θ has ${theta.length} numbers, dim is ${task.dim}`,
        );
      }
      const { entry } = evaluate(theta, 0, null, evalKey);
      return {
        iteration: 0,
        theta,
        optimizer: optimizer.init(theta),
        estimator: estimator.init(theta, estimatorKey),
        loopKey,
        evalKey,
        history: [entry],
        counters: { innerSteps: 0, nonFiniteParticles: 0, skippedUpdates: 0 },
      };
    },

    step(state) {
      const iteration = state.iteration + 1;
      const result = estimator.estimate(
        state.theta,
        state.estimator,
        foldIn(state.loopKey, state.iteration),
      );
      estimator.dispose(state.estimator);
      let theta = state.theta;
      let optimizerState = state.optimizer;
      let skipped = !result.grad.every(Number.isFinite);
      if (!skipped) {
        const direction = maximize ? result.grad.map((g) => -g) : result.grad;
        const [updates, nextOptimizer] = optimizer.update(direction, state.optimizer, state.theta);
        const candidate = applyUpdates(state.theta, updates);
        skipped = !candidate.every(Number.isFinite);
        if (!skipped) {
          theta = candidate;
          optimizerState = nextOptimizer;
        }
      }
      const counters: MetaTrainCounters = {
        innerSteps: state.counters.innerSteps + result.metrics.innerSteps,
        nonFiniteParticles: state.counters.nonFiniteParticles + result.metrics.nonFiniteParticles,
        skippedUpdates: state.counters.skippedUpdates + (skipped ? 1 : 0),
      };
      const due =
        iteration === settings.iterations ||
        (settings.evalEvery > 0 && iteration % settings.evalEvery === 0);
      const evaluated = due
        ? evaluate(theta, iteration, result.metaLoss, state.evalKey)
        : undefined;
      const record: IterationRecord = {
        iteration,
        metaLoss: result.metaLoss,
        gradNorm: norm(result.grad),
        theta: Array.from(theta),
        innerSteps: counters.innerSteps,
        innerStepsThisIteration: result.metrics.innerSteps,
        nonFiniteParticles: result.metrics.nonFiniteParticles,
        skipped,
        ...(evaluated ? { evaluation: evaluated.evaluation } : {}),
      };
      return {
        state: {
          ...state,
          iteration,
          theta,
          optimizer: optimizerState,
          estimator: result.state,
          history: evaluated ? [...state.history, evaluated.entry] : state.history,
          counters,
        },
        record,
      };
    },

    isFinished: (state) => state.iteration >= settings.iterations,

    snapshot: (state) => ({ ...state, estimator: estimator.snapshot(state.estimator) }),

    restore(snapshot) {
      const s = snapshot as Partial<MetaTrainState<unknown>> | null;
      if (
        !s ||
        !Number.isInteger(s.iteration) ||
        !(s.theta instanceof Float64Array) ||
        s.theta.length !== task.dim ||
        !Array.isArray(s.history) ||
        typeof s.counters !== 'object'
      ) {
        throw new TypeError('checkpoint does not hold a meta-training state for this task');
      }
      return {
        ...(s as MetaTrainState<unknown>),
        loopKey: assertKey(s.loopKey, 'loop key'),
        evalKey: assertKey(s.evalKey, 'evaluation key'),
        optimizer: optimizer.restore ? optimizer.restore(s.optimizer) : s.optimizer,
        estimator: estimator.restore(s.estimator),
      };
    },

    dispose: (state) => estimator.dispose(state.estimator),
  };
}

export interface RunOptions<E> {
  trainer: MetaTrainer<E>;
  /** Start from here (a restored checkpoint); a fresh state otherwise. */
  state?: MetaTrainState<E>;
  onIteration?: (record: IterationRecord, state: MetaTrainState<E>) => void;
  /**
   * Called with a snapshot every `every` iterations, or once `seconds` have passed since the
   * last one (either may be 0: off), and at the end.
   */
  checkpoint?: {
    every: number;
    seconds?: number;
    save: (snapshot: unknown, state: MetaTrainState<E>) => void;
  };
  /** Polled between iterations; when true the run checkpoints and returns early. */
  shouldStop?: () => boolean;
}

/**
 * Runs a meta-trainer to the end (or until `shouldStop`), yielding to the event loop between
 * iterations so that signals and progress output get through. Returns the last state; the
 * caller owns it.
 */
export async function runMetaTraining<E>(
  options: RunOptions<E>,
): Promise<{ state: MetaTrainState<E>; stopped: boolean }> {
  const { trainer, checkpoint } = options;
  let state = options.state ?? trainer.init();
  let sinceCheckpoint = 0;
  let lastSave = performance.now();
  let stopped = false;
  while (!trainer.isFinished(state)) {
    if (options.shouldStop?.()) {
      stopped = true;
      break;
    }
    const { state: next, record } = trainer.step(state);
    state = next;
    options.onIteration?.(record, state);
    sinceCheckpoint++;
    const dueByCount =
      checkpoint !== undefined && checkpoint.every > 0 && sinceCheckpoint >= checkpoint.every;
    const dueByTime =
      checkpoint?.seconds !== undefined &&
      checkpoint.seconds > 0 &&
      performance.now() - lastSave >= checkpoint.seconds * 1000;
    if (checkpoint && (dueByCount || dueByTime)) {
      checkpoint.save(trainer.snapshot(state), state);
      sinceCheckpoint = 0;
      lastSave = performance.now();
    }
    await yieldToEventLoop();
  }
  if (checkpoint && (sinceCheckpoint > 0 || stopped))
    checkpoint.save(trainer.snapshot(state), state);
  return { state, stopped };
}
