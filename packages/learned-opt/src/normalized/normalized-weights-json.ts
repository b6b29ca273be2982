import { WEIGHTS_FORMAT, WEIGHTS_VERSION, WeightsError } from '../weights-json.js';
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
  metaTrainedAt: { innerLr: number; innerSchedule: string },
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

/** θ from a parsed weights object; throws WeightsError naming `source` and what does not match. */
export function thetaFromNormalizedWeights(body: unknown, source = 'the weights'): Float64Array {
  const b = body as {
    format?: unknown;
    version?: unknown;
    architecture?: unknown;
    theta?: unknown;
  };
  if (b?.format !== WEIGHTS_FORMAT)
    throw new WeightsError(`${source} is not a @pes learned-optimizer file`);
  if (b.version !== WEIGHTS_VERSION)
    throw new WeightsError(`${source} is format version ${String(b.version)}`);
  const expected = JSON.stringify(normalizedLoptArchitecture());
  if (JSON.stringify(b.architecture) !== expected) {
    throw new WeightsError(
      `${source} holds a learned optimizer of architecture ${JSON.stringify(b.architecture)}, expected ${expected}`,
    );
  }
  const { dim } = normalizedLoptLayout();
  if (
    !Array.isArray(b.theta) ||
    b.theta.length !== dim ||
    !b.theta.every((v) => typeof v === 'number' && Number.isFinite(v))
  )
    throw new WeightsError(`${source}: θ must be ${dim} finite numbers`);
  return Float64Array.from(b.theta as number[]);
}
