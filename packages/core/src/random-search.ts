import type { IterationRecord, MetaTrainer, MetaTrainState } from './meta-trainer.js';
import { assertKey, foldIn, makeKey, split, uniform, type Key } from './random.js';
import type { Evaluation, Task } from './task.js';

export interface RandomSearchSettings {
  /** Candidates to evaluate, one full episode each. */
  candidates: number;
  /** Per θ component, the [low, high] range sampled uniformly. */
  searchSpace: readonly [number, number][];
  seed: number;
}

/**
 * Random search as a meta-trainer: iteration i evaluates one θ drawn uniformly from the box
 * (a full episode through `task.evaluate`), and θ is the best seen so far. It runs through the
 * same loop, checkpoints and reports as the gradient-based methods, so a comparison with them
 * at an equal budget of inner steps needs nothing special.
 */
export function createRandomSearch(options: {
  task: Task;
  settings: RandomSearchSettings;
}): MetaTrainer<null> {
  const { task, settings } = options;
  if (!Number.isInteger(settings.candidates) || settings.candidates < 1) {
    throw new RangeError(`random search needs at least one candidate, got ${settings.candidates}`);
  }
  if (settings.searchSpace.length !== task.dim) {
    throw new RangeError(
      `random search: the search space has ${settings.searchSpace.length} ranges, θ has ${task.dim} numbers`,
    );
  }
  if (!Number.isFinite(task.horizon)) {
    throw new RangeError(`random search evaluates whole episodes; ${task.name} never ends`);
  }
  const score = (e: Evaluation) => (task.maximize ? -e.evalLoss : e.evalLoss);
  const entry = (
    iteration: number,
    theta: Float64Array,
    evaluation: Evaluation,
    metaLoss: number | null,
  ) => ({
    iteration,
    theta: Array.from(theta),
    metaLoss,
    evaluation,
  });
  return {
    iterations: settings.candidates,
    init() {
      const [, loopKey, evalKey] = split(makeKey(settings.seed), 3) as [Key, Key, Key];
      const theta = task.initialTheta();
      return {
        iteration: 0,
        theta,
        optimizer: null,
        estimator: null,
        loopKey,
        evalKey,
        history: [entry(0, theta, task.evaluate(theta, evalKey), null)],
        counters: { innerSteps: task.horizon, nonFiniteParticles: 0, skippedUpdates: 0 },
      };
    },
    step(state) {
      const u = uniform(foldIn(state.loopKey, state.iteration), task.dim);
      const candidate = Float64Array.from(
        settings.searchSpace,
        ([low, high], j) => low + (high - low) * u[j]!,
      );
      const evaluation = task.evaluate(candidate, state.evalKey);
      const best = state.history.reduce((a, b) =>
        score(b.evaluation) < score(a.evaluation) ? b : a,
      );
      const improved =
        Number.isFinite(evaluation.evalLoss) && score(evaluation) < score(best.evaluation);
      const theta = improved ? candidate : state.theta;
      const iteration = state.iteration + 1;
      const record: IterationRecord = {
        iteration,
        metaLoss: evaluation.evalLoss,
        gradNorm: 0,
        theta: Array.from(theta),
        innerSteps: state.counters.innerSteps + task.horizon,
        innerStepsThisIteration: task.horizon,
        nonFiniteParticles: Number.isFinite(evaluation.evalLoss) ? 0 : 1,
        skipped: !improved,
        evaluation: improved ? evaluation : best.evaluation,
      };
      const next: MetaTrainState<null> = {
        ...state,
        iteration,
        theta,
        history: [
          ...state.history,
          entry(iteration, theta, improved ? evaluation : best.evaluation, evaluation.evalLoss),
        ],
        counters: { ...state.counters, innerSteps: record.innerSteps },
      };
      return { state: next, record };
    },
    isFinished: (state) => state.iteration >= settings.candidates,
    snapshot: (state) => state,
    restore(snapshot) {
      const s = snapshot as Partial<MetaTrainState<null>>;
      if (
        !s ||
        !(s.theta instanceof Float64Array) ||
        s.theta.length !== task.dim ||
        !Array.isArray(s.history)
      ) {
        throw new TypeError('checkpoint does not hold a random-search state for this task');
      }
      return {
        ...(s as MetaTrainState<null>),
        loopKey: assertKey(s.loopKey),
        evalKey: assertKey(s.evalKey),
      };
    },
    dispose: () => undefined,
  };
}

/** Random search as the registries describe a method, beside the gradient estimators. */
export const randomSearchMethod = {
  name: 'random-search',
  description:
    'not a gradient estimator: θ drawn from a box, each judged on a whole run; the same inner-step budget',
  usesNoise: false,
  needsDifferentiable: false,
  needsForwardMode: false,
  needsFiniteHorizon: true,
  ignoresUnroll: true,
} as const;
