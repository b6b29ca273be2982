import { foldIn, makeKey, meanAndStd, type MeanAndStd } from '@pes/core';
import type { ImageData } from '../data/dataset.js';
import { evaluationSet } from './dataset-figures.js';

import { adamTensor, type TensorOptimizer } from './tensor-optimizers.js';
import { trainNetwork, type CurvePoint, type NetworkChoice } from './train-network.js';
import { constantLearningRateRule } from './update-rule.js';

/**
 * Evaluation networks and minibatches come from this key's stream, folded with the seed. Meta-
 * training draws every network from keys split off the run's seed key, a different stream: the
 * initialisations evaluated here were not seen in meta-training.
 */
export const EVALUATION_KEY = makeKey(0x65_76_61_6c); // "eval"

/**
 * How `compareOptimizers` picks the best Adam (`bestByFinalValidationLoss`), in words for the
 * files that report it.
 */
export const BEST_ADAM_SELECTION =
  'best Adam = lowest mean final validation loss over the grid, diverged rates excluded';

export type CompareOptimizersOptions<K extends string> = NetworkChoice & Comparison<K>;

interface Comparison<K extends string> {
  /** The optimizers compared, by name (e.g. a learned optimizer at its θ and at its start). */
  optimizers: Record<K, TensorOptimizer>;
  /** Adam's learning rates, each trained like the named optimizers; the best is picked. */
  adamLearningRates: readonly number[];
  data: ImageData;
  batchSize: number;
  /** Inner steps per network. */
  steps: number;
  /** Steps between points of the loss curves. */
  evalEvery: number;
  /** One fresh network and minibatch stream per seed, the same for every optimizer. */
  seeds: readonly number[];
  /** Training records in the training loss (the first R; default all); validation uses all. */
  trainRecords?: number;
  /** Called as each optimizer's seeds are done: a long evaluation can report as it goes. */
  onEvaluated?: (
    evaluation: OptimizerEvaluation,
    which: { name: K } | { adamLearningRate: number },
  ) => void;
}

export interface SeedRun {
  seed: number;
  curve: CurvePoint[];
  final: CurvePoint;
  /** The step at which the training loss stopped being finite, if it did. */
  divergedAt?: number;
}

export interface OptimizerEvaluation {
  /** Over the seeds that did not diverge. */
  finalTrainLoss: MeanAndStd;
  finalValLoss: MeanAndStd;
  finalValAccuracy: MeanAndStd;
  /** Seeds whose training loss became non-finite (their figures are left out). */
  diverged: number;
  /** One per seed, in the order of `seeds`. */
  runs: SeedRun[];
  seconds: number;
  /** Wall seconds per training step, over every seed's steps (no curve evaluations). */
  secondsPerStep: number;
}

export interface AdamGridPoint extends OptimizerEvaluation {
  learningRate: number;
}

export interface OptimizerComparison<K extends string> {
  optimizers: Record<K, OptimizerEvaluation>;
  /** In the order of `adamLearningRates`. */
  adamGrid: AdamGridPoint[];
  /** The grid point picked by `BEST_ADAM_SELECTION` (one of `adamGrid`); none if all diverged. */
  bestAdam: AdamGridPoint | undefined;
  /** Records behind the training and the validation figures. */
  trainRecords: number;
  validationRecords: number;
}

/**
 * How an optimizer is judged after meta-training: each optimizer trains a fresh network per
 * seed from `EVALUATION_KEY`'s stream (the same networks and minibatches for all of them),
 * Adam does the same at every learning rate of a grid, and each is summarised by the mean and
 * standard deviation over seeds of its final figures, with its diverged seeds counted apart.
 */
export function compareOptimizers<K extends string>(
  options: CompareOptimizersOptions<K>,
): OptimizerComparison<K> {
  const { data, seeds } = options;
  // Normalised once, on the device, for every run and curve point.
  const sets = {
    train: evaluationSet(data.train, options.trainRecords),
    validation: evaluationSet(data.validation),
  };
  const evaluate = (optimizer: TensorOptimizer): OptimizerEvaluation => {
    const started = performance.now();
    const timing = { stepSeconds: 0 };
    const runs = seeds.map((seed) => ({
      seed,
      ...trainNetwork({
        ...(options.network
          ? { network: options.network }
          : { architecture: options.architecture, activation: options.activation }),
        data,
        batchSize: options.batchSize,
        steps: options.steps,
        optimizer,
        key: foldIn(EVALUATION_KEY, seed),
        evalEvery: options.evalEvery,
        evaluation: sets,
        timing,
      }),
    }));
    const finals = runs.filter((r) => r.divergedAt === undefined).map((r) => r.final);
    const stepsTaken = runs.reduce((n, r) => n + (r.divergedAt ?? options.steps), 0);
    return {
      finalTrainLoss: meanAndStd(finals.map((f) => f.trainLoss)),
      finalValLoss: meanAndStd(finals.map((f) => f.valLoss)),
      finalValAccuracy: meanAndStd(finals.map((f) => f.valAccuracy)),
      diverged: runs.length - finals.length,
      runs,
      seconds: (performance.now() - started) / 1000,
      secondsPerStep: timing.stepSeconds / stepsTaken,
    };
  };
  try {
    const named = {} as Record<K, OptimizerEvaluation>;
    for (const name of Object.keys(options.optimizers) as K[]) {
      named[name] = evaluate(options.optimizers[name]);
      options.onEvaluated?.(named[name], { name });
    }
    const adamGrid = options.adamLearningRates.map((learningRate) => {
      // Adam as the family a learning-rate run tunes (θ = log lr), at θ = log lr.
      const rule = constantLearningRateRule(adamTensor(), learningRate);
      const point = { learningRate, ...evaluate(rule.optimizer(rule.initialTheta())) };
      options.onEvaluated?.(point, { adamLearningRate: learningRate });
      return point;
    });
    return {
      optimizers: named,
      adamGrid,
      bestAdam: bestByFinalValidationLoss(adamGrid),
      trainRecords: sets.train.records,
      validationRecords: sets.validation.records,
    };
  } finally {
    sets.train.dispose();
    sets.validation.dispose();
  }
}

/** A grid point as ranked by one final loss: that figure and its diverged seeds. */
type Ranked<F extends 'finalTrainLoss' | 'finalValLoss'> = Pick<
  OptimizerEvaluation,
  'diverged' | F
>;

/**
 * The grid point of the lowest mean final validation loss, rates with a diverged seed left
 * out; the first of equals; none where every rate diverged. `compareOptimizers`' best Adam
 * (`BEST_ADAM_SELECTION`).
 */
export function bestByFinalValidationLoss<T extends Ranked<'finalValLoss'>>(
  grid: readonly T[],
): T | undefined {
  return lowestMean(grid, 'finalValLoss');
}

/**
 * The grid point of the lowest mean final training loss, rates with a diverged seed left out;
 * the first of equals; none where every rate diverged. The tuned Adam of the held-out suite's
 * verdict (@pes/learned-opt), which sets training loss against training loss.
 */
export function bestByFinalTrainingLoss<T extends Ranked<'finalTrainLoss'>>(
  grid: readonly T[],
): T | undefined {
  return lowestMean(grid, 'finalTrainLoss');
}

function lowestMean<F extends 'finalTrainLoss' | 'finalValLoss', T extends Ranked<F>>(
  grid: readonly T[],
  figure: F,
): T | undefined {
  let best: T | undefined;
  for (const point of grid) {
    const loss = point[figure].mean;
    if (point.diverged > 0 || loss === null) continue;
    if (best === undefined || loss < best[figure].mean!) best = point;
  }
  return best;
}
