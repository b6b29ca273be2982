/**
 * Blow-up detection for a learned optimizer on a model it never saw. The rule is the one a
 * user would apply by eye: training has blown up at step t when its loss is not finite, or is
 * more than `blowUpFactor` times the first loss seen. The first loss is the model's before any
 * update, so a rule that only made things worse crosses it; mini-batch noise rarely multiplies
 * a loss by 10 (the default). It reads only the loss the user trains on: no statistics from
 * meta-training that a new model need not share.
 */
export const DEFAULT_BLOW_UP_FACTOR = 10;

/** What the watch remembers: the first loss (NaN: none yet) and the step it blew up (−1: not). */
export interface LossWatch {
  readonly initialLoss: number;
  readonly blownUpAt: number;
}

export const UNWATCHED: LossWatch = { initialLoss: NaN, blownUpAt: -1 };

/** The watch after the loss of step `step`; it stays blown up once it is. */
export function watchLoss(
  watch: LossWatch,
  loss: number,
  step: number,
  blowUpFactor: number,
): LossWatch {
  if (watch.blownUpAt >= 0) return watch;
  if (!Number.isFinite(loss)) return { ...watch, blownUpAt: step };
  if (Number.isNaN(watch.initialLoss)) return { ...watch, initialLoss: loss };
  if (loss > blowUpFactor * Math.abs(watch.initialLoss)) return { ...watch, blownUpAt: step };
  return watch;
}

/** The one line said when training blows up. */
export function blowUpMessage(
  watch: LossWatch,
  loss: number,
  blowUpFactor: number,
  fallback: string | undefined,
): string {
  const why = Number.isFinite(loss)
    ? `training loss ${loss.toPrecision(4)} at step ${watch.blownUpAt} is over ${blowUpFactor}× its first value ${watch.initialLoss.toPrecision(4)}`
    : `training loss is ${loss} at step ${watch.blownUpAt}`;
  const then = fallback
    ? `switching to ${fallback} for the rest of training`
    : `the learned optimizer may not suit this model (fallback: 'adam' switches to Adam)`;
  return `learned optimizer: ${why}; ${then}`;
}
