import { exp, log, type MeanAndStd } from '@pes/core';
import { bestByFinalTrainingLoss, type OptimizerEvaluation } from '@pes/inner-problems';
import type { SuiteProblem } from './problems.js';

/**
 * The held-out suite's targets (issue 25): on every problem the learned optimizer's final
 * training loss within WITHIN_FACTOR of the tuned Adam's, their geometric mean at most
 * GEOMETRIC_MEAN_TARGET, no climb from a horizon to a longer one, and each step at most
 * STEP_TIME_FACTOR times Adam's wall time.
 */
export const WITHIN_FACTOR = 1.5;
export const GEOMETRIC_MEAN_TARGET = 1;
export const STEP_TIME_FACTOR = 1.3;

/** Which Adam of the grid the learned optimizer is set against (`bestByFinalTrainingLoss`), in words. */
export const TUNED_ADAM_SELECTION =
  'tuned Adam = the grid point with the lowest mean final training loss at that horizon, diverged rates excluded';

/** One problem of a suite at one horizon: the learned optimizer's final figures beside the tuned Adam's. */
export interface SuiteRow {
  problem: string;
  heldOut: string;
  /** Inner steps of this row's runs. */
  steps: number;
  /** Its horizon as a multiple of the suite's 1× length; 1 for a suite of fixed lengths. */
  multiple: number;
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
  /** Wall seconds per training step: the learned optimizer's, and the tuned Adam's. */
  learnedSecondsPerStep: number;
  adamSecondsPerStep: number | null;
}

/** The figures of an optimizer's evaluation a row reads (as evaluation.json records them). */
export type RowFigures = Pick<
  OptimizerEvaluation,
  'finalTrainLoss' | 'finalValAccuracy' | 'diverged' | 'secondsPerStep'
>;

/**
 * A problem's row of the suite at one horizon: the learned optimizer's final training loss over
 * the tuned Adam's (the grid's lowest at that horizon, `TUNED_ADAM_SELECTION`). A learned
 * optimizer with a diverged seed, or a grid whose every rate diverged, has no ratio and is not
 * within.
 */
export function suiteRow(
  problem: Pick<SuiteProblem, 'name' | 'heldOut' | 'steps'>,
  learned: RowFigures,
  adamGrid: readonly (RowFigures & { learningRate: number })[],
  multiple = 1,
): SuiteRow {
  const tunedAdam = bestByFinalTrainingLoss(adamGrid);
  const ratio =
    tunedAdam && learned.finalTrainLoss.mean !== null && learned.diverged === 0
      ? learned.finalTrainLoss.mean / tunedAdam.finalTrainLoss.mean!
      : null;
  return {
    problem: problem.name,
    heldOut: problem.heldOut,
    steps: problem.steps * multiple,
    multiple,
    learned: learned.finalTrainLoss,
    learnedAccuracy: learned.finalValAccuracy,
    learnedDiverged: learned.diverged,
    tunedAdamLearningRate: tunedAdam?.learningRate ?? null,
    tunedAdam: tunedAdam?.finalTrainLoss ?? null,
    tunedAdamAccuracy: tunedAdam?.finalValAccuracy ?? null,
    ratio,
    within: ratio !== null && ratio <= WITHIN_FACTOR,
    learnedSecondsPerStep: learned.secondsPerStep,
    adamSecondsPerStep: tunedAdam?.secondsPerStep ?? null,
  };
}

/** A row's name in the tables: the problem, and its horizon where the suite has several. */
export function rowName(row: Pick<SuiteRow, 'problem' | 'multiple'>, multiples: boolean): string {
  return multiples ? `${row.problem} @ ${row.multiple}×` : row.problem;
}

/**
 * The interquartile mean (rliable's IQM): the mean of the middle half of the sorted values, the
 * values cut by a quartile boundary counted by the part of them inside (so it is defined for
 * any count, and equals the mean of the middle half exactly when the count divides by 4).
 */
export function interquartileMean(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const lo = n / 4;
  const hi = (3 * n) / 4;
  let sum = 0;
  sorted.forEach((v, i) => {
    sum += v * Math.max(0, Math.min(i + 1, hi) - Math.max(i, lo));
  });
  return sum / (hi - lo);
}

/** The geometric mean of positive values. */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return exp(values.reduce((s, v) => s + log(v), 0) / values.length);
}

/** A problem whose learned optimizer ended higher at a longer horizon than at a shorter one. */
export interface Climb {
  problem: string;
  from: { multiple: number; loss: number };
  to: { multiple: number; loss: number };
}

/** The suite's aggregate figures and its verdict on each target, in words. */
export interface SuiteSummary {
  /** Rows with a ratio (neither side diverged). */
  ratios: number;
  geometricMean: number | null;
  interquartileMean: number | null;
  worst: { problem: string; multiple: number; ratio: number } | null;
  /** Rows not within WITHIN_FACTOR (a diverged side counts as not within). */
  misses: string[];
  climbs: Climb[];
  /** The learned optimizer's wall time per step over the tuned Adam's: the median over rows. */
  stepTimeRatio: number | null;
  verdict: string[];
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

/** The suite's aggregates over its rows (every problem at every horizon) and the verdict. */
export function suiteSummary(rows: readonly SuiteRow[]): SuiteSummary {
  const several = new Set(rows.map((r) => r.multiple)).size > 1;
  const rated = rows.filter((r): r is SuiteRow & { ratio: number } => r.ratio !== null);
  const ratios = rated.map((r) => r.ratio);
  const worstRow = rated.reduce<(typeof rated)[number] | null>(
    (w, r) => (w === null || r.ratio > w.ratio ? r : w),
    null,
  );
  const misses = rows.filter((r) => !r.within).map((r) => rowName(r, several));
  const climbs: Climb[] = [];
  for (const problem of new Set(rows.map((r) => r.problem))) {
    const ladder = rows
      .filter((r) => r.problem === problem && r.learned.mean !== null)
      .sort((a, b) => a.multiple - b.multiple);
    ladder.slice(1).forEach((r, i) => {
      const shorter = ladder[i]!;
      if (r.learned.mean! > shorter.learned.mean!)
        climbs.push({
          problem,
          from: { multiple: shorter.multiple, loss: shorter.learned.mean! },
          to: { multiple: r.multiple, loss: r.learned.mean! },
        });
    });
  }
  const times = rows
    .filter((r) => r.adamSecondsPerStep !== null)
    .map((r) => r.learnedSecondsPerStep / r.adamSecondsPerStep!);
  const geo = ratios.length ? geometricMean(ratios) : null;
  const stepTimeRatio = median(times);
  const f = (x: number) => x.toFixed(2);
  const verdict = [
    geo === null
      ? 'No problem has a ratio.'
      : `Geometric-mean ratio ${f(geo)} (target ≤ ${GEOMETRIC_MEAN_TARGET}): ${geo <= GEOMETRIC_MEAN_TARGET ? 'met' : `missed by ${f(geo - GEOMETRIC_MEAN_TARGET)}`}.`,
    misses.length === 0
      ? `Within ${WITHIN_FACTOR}× of the tuned Adam on every problem: met.`
      : `Not within ${WITHIN_FACTOR}× on ${misses.length} of ${rows.length}: ${misses.join(', ')}${worstRow ? ` (worst ${rowName(worstRow, several)}, ${f(worstRow.ratio)}×)` : ''}.`,
    several
      ? climbs.length === 0
        ? 'No climb: no problem ends higher at a longer horizon.'
        : `Climbs at a longer horizon: ${climbs.map((c) => `${c.problem} ${c.from.multiple}×→${c.to.multiple}× (${c.from.loss.toPrecision(3)}→${c.to.loss.toPrecision(3)})`).join(', ')}.`
      : 'One horizon only: climbs not judged.',
    stepTimeRatio === null
      ? 'No step time for the tuned Adam.'
      : `Wall time per step ${f(stepTimeRatio)}× the tuned Adam's (median over rows; target ≤ ${STEP_TIME_FACTOR}): ${stepTimeRatio <= STEP_TIME_FACTOR ? 'met' : 'missed'}.`,
  ];
  return {
    ratios: ratios.length,
    geometricMean: geo,
    interquartileMean: ratios.length ? interquartileMean(ratios) : null,
    worst: worstRow
      ? { problem: worstRow.problem, multiple: worstRow.multiple, ratio: worstRow.ratio }
      : null,
    misses,
    climbs,
    stepTimeRatio,
    verdict,
  };
}

/** The problems not within `WITHIN_FACTOR`, and the suite's verdict in words. */
export function suiteVerdict(rows: readonly SuiteRow[]): { misses: string[]; verdict: string } {
  const summary = suiteSummary(rows);
  return { misses: summary.misses, verdict: summary.verdict.join(' ') };
}
