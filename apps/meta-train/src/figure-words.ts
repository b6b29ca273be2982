import type { TaskFigure } from '@pes/core';
import { taskSpecs } from '@pes/runner/node';

/** What the meta-trainer evaluates for every task, whatever the task adds. */
const TRAINER_FIGURES: readonly TaskFigure[] = [{ key: 'evalLoss', label: 'full-run objective' }];

/**
 * Every evaluation figure a run may report, in words: the trainer's, then each task's own
 * `figures` as its spec declares them, each key once.
 */
export const evaluationFigures: readonly TaskFigure[] = [
  ...new Map(
    [...TRAINER_FIGURES, ...taskSpecs.flatMap((spec) => spec.figures ?? [])].map((f) => [f.key, f]),
  ).values(),
];

/** The other fields of metrics.jsonl and result.json a report shows. */
const RECORD_WORDS: Readonly<Record<string, string>> = {
  metaLoss: 'meta-loss',
  theta: 'θ',
  iteration: 'outer iteration',
  innerSteps: 'inner steps',
};

/** A field of a run's records as a person reads it: `valAccuracy` → `val accuracy`. */
export function inWords(key: string): string {
  return (
    evaluationFigures.find((f) => f.key === key)?.label ??
    RECORD_WORDS[key] ??
    // A figure no spec declares still reads as words rather than as an identifier.
    key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  );
}
