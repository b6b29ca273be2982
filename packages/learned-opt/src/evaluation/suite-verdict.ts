import type { MeanAndStd } from '@pes/core';
import {
  bestByFinalTrainingLoss,
  type AdamGridPoint,
  type OptimizerEvaluation,
} from '@pes/inner-problems';
import type { SuiteProblem } from './problems.js';

/**
 * A suite's verdict threshold: the learned optimizer's final training loss within this factor of
 * the tuned Adam's.
 */
export const WITHIN_FACTOR = 2;

/** Which Adam of the grid the learned optimizer is set against (`bestByFinalTrainingLoss`), in words. */
export const TUNED_ADAM_SELECTION =
  'tuned Adam = the grid point with the lowest mean final training loss, diverged rates excluded';

/** One problem of a suite: the learned optimizer's final figures beside the tuned Adam's. */
export interface SuiteRow {
  problem: string;
  heldOut: string;
  /** The learned optimizer's final training loss. */
  learned: MeanAndStd;
  learnedAccuracy: MeanAndStd;
  learnedDiverged: number;
  /** None where every rate of the grid diverged. */
  tunedAdamLearningRate: number | null;
  tunedAdam: MeanAndStd | null;
  tunedAdamAccuracy: MeanAndStd | null;
  /** Learned over tuned Adam's mean final training loss; none if either diverged. */
  ratio: number | null;
  /** Whether the ratio is at most `WITHIN_FACTOR`. */
  within: boolean;
}

/**
 * A problem's row of the suite: the learned optimizer's final training loss over the tuned
 * Adam's (the grid's lowest, `TUNED_ADAM_SELECTION`). A learned optimizer with a diverged seed,
 * or a grid whose every rate diverged, has no ratio and is not within.
 */
export function suiteRow(
  problem: Pick<SuiteProblem, 'name' | 'heldOut'>,
  learned: OptimizerEvaluation,
  adamGrid: readonly AdamGridPoint[],
): SuiteRow {
  const tunedAdam = bestByFinalTrainingLoss(adamGrid);
  const ratio =
    tunedAdam && learned.finalTrainLoss.mean !== null && learned.diverged === 0
      ? learned.finalTrainLoss.mean / tunedAdam.finalTrainLoss.mean!
      : null;
  return {
    problem: problem.name,
    heldOut: problem.heldOut,
    learned: learned.finalTrainLoss,
    learnedAccuracy: learned.finalValAccuracy,
    learnedDiverged: learned.diverged,
    tunedAdamLearningRate: tunedAdam?.learningRate ?? null,
    tunedAdam: tunedAdam?.finalTrainLoss ?? null,
    tunedAdamAccuracy: tunedAdam?.finalValAccuracy ?? null,
    ratio,
    within: ratio !== null && ratio <= WITHIN_FACTOR,
  };
}

/** The suite's verdict: the problems not within `WITHIN_FACTOR`, and the verdict in words. */
export function suiteVerdict(rows: readonly SuiteRow[]): { misses: string[]; verdict: string } {
  const misses = rows.filter((r) => !r.within).map((r) => r.problem);
  const verdict =
    misses.length === 0
      ? `The learned optimizer's final training loss is within ${WITHIN_FACTOR}× of the tuned Adam's on every problem.`
      : `Not within ${WITHIN_FACTOR}× of the tuned Adam's final training loss on: ${misses.join(', ')}.`;
  return { misses, verdict };
}
