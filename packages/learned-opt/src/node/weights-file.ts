import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@pes/core/node';
import type { StepKnobs } from '../step-knobs.js';
import {
  learnedOptimizerJson,
  stepKnobsFromWeights,
  thetaFromWeights,
  WeightsError,
} from '../weights-json.js';

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
  return thetaFromWeights(readWeightsFile(file), file);
}

/** θ and the step knobs a weights file records (`stepKnobsFromWeights`). */
export function loadLearnedOptimizerWeights(file: string): {
  theta: Float64Array;
  knobs: StepKnobs;
} {
  const body = readWeightsFile(file);
  return { theta: thetaFromWeights(body, file), knobs: stepKnobsFromWeights(body, file) };
}

function readWeightsFile(file: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WeightsError(code ? `cannot read ${file}: ${code}` : `${file} is not valid JSON`);
  }
  return body;
}
