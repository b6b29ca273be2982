import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@pes/core/node';
import type { EpisodeSchedule } from '../normalized/learning-rate-schedule.js';
import {
  episodeScheduleFromWeights,
  normalizedLoptArchitecture,
  thetaFromNormalizedWeights,
} from '../normalized/normalized-weights-json.js';
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

/**
 * θ and how it steps, from a weights file of either learned optimizer: the MLP learned
 * optimizer's step knobs (`stepKnobsFromWeights`), or for the normalised one (its architecture
 * says which) the schedule it was meta-trained at, which it is then used at.
 */
export function loadLearnedOptimizerWeights(file: string): {
  theta: Float64Array;
  knobs: StepKnobs;
  normalized?: EpisodeSchedule;
} {
  const body = readWeightsFile(file);
  const kind = (body as { architecture?: { kind?: unknown } } | null)?.architecture?.kind;
  if (kind === normalizedLoptArchitecture().kind)
    return {
      theta: thetaFromNormalizedWeights(body, file),
      knobs: {},
      normalized: episodeScheduleFromWeights(body, file),
    };
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
