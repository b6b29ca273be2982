import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@pes/core/node';
import { LOPT_HIDDEN, LOPT_INPUTS, mlpLoptLayout } from '../mlp-lopt.js';

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

/** θ as a weights file's text: with its architecture and format version. */
export function learnedOptimizerJson(theta: ArrayLike<number>): string {
  const body = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    architecture: mlpLoptArchitecture(),
    theta: Array.from(theta),
  };
  return `${JSON.stringify(body)}\n`;
}

/** Writes θ as a weights file, atomically. */
export function saveLearnedOptimizer(file: string, theta: ArrayLike<number>): void {
  writeFileAtomic(file, learnedOptimizerJson(theta));
}

/** Reads θ back; throws WeightsError naming what does not match. */
export function loadLearnedOptimizer(file: string): Float64Array {
  let body: { format?: unknown; version?: unknown; architecture?: unknown; theta?: unknown };
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WeightsError(code ? `cannot read ${file}: ${code}` : `${file} is not valid JSON`);
  }
  if (body?.format !== WEIGHTS_FORMAT)
    throw new WeightsError(`${file} is not a @pes learned-optimizer file`);
  if (body.version !== WEIGHTS_VERSION) {
    throw new WeightsError(
      `${file} is format version ${String(body.version)}; this @pes reads version ${WEIGHTS_VERSION}`,
    );
  }
  const expected = JSON.stringify(mlpLoptArchitecture());
  if (JSON.stringify(body.architecture) !== expected) {
    throw new WeightsError(
      `${file} holds a learned optimizer of architecture ${JSON.stringify(body.architecture)}, expected ${expected}`,
    );
  }
  const { dim } = mlpLoptLayout();
  if (
    !Array.isArray(body.theta) ||
    body.theta.length !== dim ||
    !body.theta.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new WeightsError(`${file}: θ must be ${dim} finite numbers`);
  }
  return Float64Array.from(body.theta as number[]);
}
