import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdamGridPoint, CurvePoint } from '@pes/inner-problems';
import { UsageError } from '@pes/runner/node';

// `pes evaluate-optimizer --adam-from DIR`: Adam's grid read from an earlier evaluation of the
// same problem instead of trained again. Adam's runs do not depend on the learned optimizer
// judged beside them (the same seeds give the same networks and minibatches to every
// optimizer), so a second learned optimizer, or the same one with other settings, can be set
// against the same tuned Adam at a fifth of the cost. Tested to give the same files as training
// Adam again, to the last digit.

/** The settings an evaluation.json must share with this run for its Adam grid to be this run's. */
export interface AdamSettings {
  task: string;
  dataset: string;
  arch?: string | undefined;
  batchSize: number;
  steps: number;
  seeds: readonly number[];
  evalEvery: number;
  trainRecords: number;
  adamLearningRates: readonly number[];
  backend: string;
}

interface RecordedPoint {
  name: string;
  learningRate: number;
  best: boolean;
  finalTrainLoss: AdamGridPoint['finalTrainLoss'];
  finalValLoss: AdamGridPoint['finalValLoss'];
  finalValAccuracy: AdamGridPoint['finalValAccuracy'];
  diverged: number;
  secondsPerStep: number;
  perSeed: { seed: number; final: CurvePoint; divergedAt?: number }[];
}

/**
 * The Adam grid of `dir`/evaluation.json, checked against this run's settings: a UsageError
 * naming the first that differs. Each point's per-seed finals, means and time per step are the
 * recorded ones; the curves are those the file keeps (the best rate's), else empty.
 */
export function recordedAdamGrid(
  dir: string,
  wanted: AdamSettings,
): { grid: AdamGridPoint[]; best: AdamGridPoint | undefined } {
  const file = join(dir, 'evaluation.json');
  if (!existsSync(file)) throw new UsageError(`--adam-from ${dir}: it has no evaluation.json`);
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & {
    adamGrid: RecordedPoint[];
    curves: Record<string, CurvePoint[][]>;
  };
  for (const [field, value] of Object.entries(wanted)) {
    const theirs = JSON.stringify(recorded[field] ?? null);
    if (theirs !== JSON.stringify(value ?? null))
      throw new UsageError(
        `--adam-from ${file}: its ${field} is ${theirs}, this run's ${JSON.stringify(value)}`,
      );
  }
  let best: AdamGridPoint | undefined;
  const grid = recorded.adamGrid.map((point) => {
    const curves = recorded.curves[`${point.name} (best of grid)`];
    const read: AdamGridPoint = {
      learningRate: point.learningRate,
      finalTrainLoss: point.finalTrainLoss,
      finalValLoss: point.finalValLoss,
      finalValAccuracy: point.finalValAccuracy,
      diverged: point.diverged,
      runs: point.perSeed.map((run, i) => ({
        seed: run.seed,
        final: run.final,
        curve: curves?.[i] ?? [],
        ...(run.divergedAt !== undefined ? { divergedAt: run.divergedAt } : {}),
      })),
      seconds: 0,
      secondsPerStep: point.secondsPerStep,
    };
    if (point.best) best = read;
    return read;
  });
  return { grid, best };
}
