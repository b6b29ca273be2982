import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@pes/core/node';
import { learnedOptimizerJson, thetaFromWeights, WeightsError } from '../weights-json.js';

export {
  learnedOptimizerJson,
  mlpLoptArchitecture,
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  WeightsError,
} from '../weights-json.js';

/** Writes θ as a weights file, atomically. */
export function saveLearnedOptimizer(file: string, theta: ArrayLike<number>): void {
  writeFileAtomic(file, learnedOptimizerJson(theta));
}

/** Reads θ back; throws WeightsError naming what does not match. */
export function loadLearnedOptimizer(file: string): Float64Array {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WeightsError(code ? `cannot read ${file}: ${code}` : `${file} is not valid JSON`);
  }
  return thetaFromWeights(body, file);
}
