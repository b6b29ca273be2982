import { LOPT_HIDDEN, LOPT_INPUTS, mlpLoptLayout } from './mlp-lopt.js';
import type { StepKnobs } from './step-knobs.js';

/**
 * A learned optimizer's weights as JSON: θ with the architecture it belongs to and a format
 * version. Plain objects only, so that a browser turns fetched or bundled weights into an
 * optimizer; reading and writing files is in '@pes/learned-opt/node'.
 */
export const WEIGHTS_FORMAT = 'pes-learned-optimizer';
export const WEIGHTS_VERSION = 1;

/** The architecture a weights file records: the file loads only into the same one. */
export function mlpLoptArchitecture() {
  return { kind: 'mlp-lopt', inputs: LOPT_INPUTS, hidden: [...LOPT_HIDDEN], outputs: 2 };
}

/** A learned optimizer's θ could not be loaded: missing, foreign, another version or architecture. */
export class WeightsError extends Error {
  override readonly name = 'WeightsError';
}

/**
 * The weights object of θ: with its architecture and format version, and the step knobs it is
 * meant to be used with (optional: a file without them uses the defaults).
 */
export function learnedOptimizerWeights(
  theta: ArrayLike<number>,
  knobs: Pick<StepKnobs, 'stepFeatureLimit'> = {},
) {
  return {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    architecture: mlpLoptArchitecture(),
    theta: Array.from(theta),
    ...(knobs.stepFeatureLimit !== undefined ? { stepFeatureLimit: knobs.stepFeatureLimit } : {}),
  };
}

/** θ as a weights file's text. */
export function learnedOptimizerJson(
  theta: ArrayLike<number>,
  knobs: Pick<StepKnobs, 'stepFeatureLimit'> = {},
): string {
  return `${JSON.stringify(learnedOptimizerWeights(theta, knobs))}\n`;
}

/**
 * The step knobs a weights object records (its step-feature limit), checked; none for a file
 * that records none. Throws WeightsError naming `source` for a limit that is not a number ≥ 1.
 */
export function stepKnobsFromWeights(body: unknown, source = 'the weights'): StepKnobs {
  const limit = (body as { stepFeatureLimit?: unknown } | null)?.stepFeatureLimit;
  if (limit === undefined) return {};
  if (typeof limit !== 'number' || !(limit >= 1))
    throw new WeightsError(`${source}: stepFeatureLimit must be a number of steps ≥ 1`);
  return { stepFeatureLimit: limit };
}

/**
 * θ from a weights object (JSON already parsed) of the learned optimizer whose architecture is
 * `architecture` and whose θ has `dim` numbers: the envelope every @pes weights file shares
 * (format, version, architecture, θ), checked. Throws WeightsError naming `source` (a file, a
 * URL) and what does not match.
 */
export function thetaFromEnvelope(
  body: unknown,
  architecture: unknown,
  dim: number,
  source = 'the weights',
): Float64Array {
  const b = body as
    | { format?: unknown; version?: unknown; architecture?: unknown; theta?: unknown }
    | null
    | undefined;
  if (b?.format !== WEIGHTS_FORMAT)
    throw new WeightsError(`${source} is not a @pes learned-optimizer file`);
  if (b.version !== WEIGHTS_VERSION) {
    throw new WeightsError(
      `${source} is format version ${String(b.version)}; this @pes reads version ${WEIGHTS_VERSION}`,
    );
  }
  const expected = JSON.stringify(architecture);
  if (JSON.stringify(b.architecture) !== expected) {
    throw new WeightsError(
      `${source} holds a learned optimizer of architecture ${JSON.stringify(b.architecture)}, expected ${expected}`,
    );
  }
  if (
    !Array.isArray(b.theta) ||
    b.theta.length !== dim ||
    !b.theta.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new WeightsError(`${source}: θ must be ${dim} finite numbers`);
  }
  return Float64Array.from(b.theta as number[]);
}

/** θ of the MLP learned optimizer from a weights object (`thetaFromEnvelope`). */
export function thetaFromWeights(body: unknown, source = 'the weights'): Float64Array {
  return thetaFromEnvelope(body, mlpLoptArchitecture(), mlpLoptLayout().dim, source);
}
