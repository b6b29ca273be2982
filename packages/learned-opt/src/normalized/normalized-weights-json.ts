import {
  thetaFromEnvelope,
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  WeightsError,
} from '../weights-json.js';
import type { EpisodeSchedule } from './learning-rate-schedule.js';
import { checkWidthScale } from './width-scale.js';
import {
  NORMALIZED_HIDDEN,
  NORMALIZED_INPUTS,
  normalizedLoptLayout,
  PARAMETER_FEATURE_NAMES,
} from './normalized-layout.js';

/**
 * The normalised learned optimizer's weights as JSON, in the format of the MLP learned
 * optimizer's (weights-json.ts) under an architecture of its own: neither loads into the other.
 */
export function normalizedLoptArchitecture() {
  return {
    kind: 'normalized-lopt',
    features: [...PARAMETER_FEATURE_NAMES, 'fraction of training', 'total known'],
    inputs: NORMALIZED_INPUTS,
    hidden: [...NORMALIZED_HIDDEN],
    outputs: 1,
  };
}

/**
 * θ as a weights file's text, with the peak learning rate and the schedule (over each episode)
 * it was meta-trained at: a user's starting point, since the direction is unit-RMS and the rate
 * is the step.
 */
export function normalizedLearnedOptimizerJson(
  theta: ArrayLike<number>,
  metaTrainedAt: EpisodeSchedule,
): string {
  const body = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    architecture: normalizedLoptArchitecture(),
    theta: Array.from(theta),
    metaTrainedAt,
  };
  return `${JSON.stringify(body)}\n`;
}

/** θ of the normalised learned optimizer from a parsed weights object (`thetaFromEnvelope`). */
export function thetaFromNormalizedWeights(body: unknown, source = 'the weights'): Float64Array {
  return thetaFromEnvelope(body, normalizedLoptArchitecture(), normalizedLoptLayout().dim, source);
}

/**
 * The schedule a normalised weights object records it was meta-trained at (`metaTrainedAt`),
 * and the width scale it is judged with when one is set, checked; throws WeightsError naming
 * `source`.
 */
export function episodeScheduleFromWeights(body: unknown, source = 'the weights'): EpisodeSchedule {
  const at = (
    body as {
      metaTrainedAt?: { innerLr?: unknown; innerSchedule?: unknown; widthScale?: unknown };
    } | null
  )?.metaTrainedAt;
  const schedules: readonly unknown[] = ['constant', 'cosine', 'warmup-cosine'];
  if (
    typeof at?.innerLr !== 'number' ||
    !(at.innerLr > 0 && Number.isFinite(at.innerLr)) ||
    !schedules.includes(at.innerSchedule)
  )
    throw new WeightsError(
      `${source}: metaTrainedAt must be { innerLr: a positive number, innerSchedule: constant, cosine or warmup-cosine }`,
    );
  let widthScale;
  try {
    widthScale = checkWidthScale(at.widthScale);
  } catch (error) {
    throw new WeightsError(`${source}: metaTrainedAt.${(error as Error).message}`);
  }
  return {
    innerLr: at.innerLr,
    innerSchedule: at.innerSchedule as EpisodeSchedule['innerSchedule'],
    // Only when set: a schedule without one reads (and is recorded) exactly as before.
    ...(widthScale ? { widthScale } : {}),
  };
}
