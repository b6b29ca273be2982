import { cos } from '@pes/core';
import type { WidthScale } from './width-scale.js';
import type { DepthScale } from './depth-scale.js';

/**
 * The learning rate a user gives the normalised learned optimizer: a number, or one of three
 * schedules of the optimizer's step. Defined here rather than taken from @pes/hpo: the two
 * packages are one layer (eslint.config.js), and @pes/hpo's schedules are θ-parameterised
 * families for meta-learning, not a user's setting. Plain data, so it travels in a saved
 * training config (`getConfig`).
 */
export type LearningRateSchedule =
  | number
  | { kind: 'constant'; value: number }
  /** peak at step 0, down a half cosine to `final` at `totalSteps`, held there after. */
  | { kind: 'cosine'; peak: number; totalSteps: number; final?: number }
  /** Linear from 0 to `peak` over `warmupSteps`, then the cosine over the remaining steps. */
  | {
      kind: 'warmup-cosine';
      peak: number;
      warmupSteps: number;
      totalSteps: number;
      final?: number;
    };

/** final + (peak − final)·(1 + cos(π·s))/2 at the fraction s ∈ [0, 1] of the decay. */
function halfCosine(peak: number, final: number, s: number): number {
  const clamped = Math.min(1, Math.max(0, s));
  return final + (peak - final) * 0.5 * (1 + cos(Math.PI * clamped));
}

/** The learning rate at `step` (0 at the first update). Engine-independent: it reaches θ in meta-training. */
export function scheduledLearningRate(schedule: LearningRateSchedule, step: number): number {
  if (typeof schedule === 'number') return schedule;
  switch (schedule.kind) {
    case 'constant':
      return schedule.value;
    case 'cosine':
      return halfCosine(schedule.peak, schedule.final ?? 0, step / schedule.totalSteps);
    case 'warmup-cosine': {
      const { peak, warmupSteps, totalSteps } = schedule;
      if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
      const decay = Math.max(1, totalSteps - warmupSteps);
      return halfCosine(peak, schedule.final ?? 0, (step - warmupSteps) / decay);
    }
  }
}

const positive = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);
const nonNegative = (v: unknown): v is number =>
  typeof v === 'number' && v >= 0 && Number.isFinite(v);

/**
 * The schedule, checked (a saved config is untrusted input): rates positive and finite, step
 * counts positive integers, warm-up shorter than the run. Throws RangeError saying what is wrong.
 */
export function checkLearningRateSchedule(schedule: unknown): LearningRateSchedule {
  const fail = (why: string): never => {
    throw new RangeError(`learning rate: ${why}, got ${JSON.stringify(schedule)}`);
  };
  if (typeof schedule === 'number') return positive(schedule) ? schedule : fail('not positive');
  const s = schedule as Record<string, unknown> | null;
  const steps = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  switch (s?.['kind']) {
    case 'constant':
      if (!positive(s['value'])) fail('value must be positive');
      return { kind: 'constant', value: s['value'] as number };
    case 'cosine':
    case 'warmup-cosine': {
      if (!positive(s['peak'])) fail('peak must be positive');
      if (!steps(s['totalSteps'])) fail('totalSteps must be a positive integer');
      if (s['final'] !== undefined && !nonNegative(s['final'])) fail('final must be ≥ 0');
      const final = s['final'] === undefined ? {} : { final: s['final'] as number };
      const common = { peak: s['peak'] as number, totalSteps: s['totalSteps'] as number };
      if (s['kind'] === 'cosine') return { kind: 'cosine', ...common, ...final };
      if (!steps(s['warmupSteps']) || (s['warmupSteps'] as number) >= common.totalSteps)
        fail('warmupSteps must be a positive integer below totalSteps');
      return {
        kind: 'warmup-cosine',
        ...common,
        warmupSteps: s['warmupSteps'] as number,
        ...final,
      };
    }
    default:
      return fail("a positive number or { kind: 'constant' | 'cosine' | 'warmup-cosine', … }");
  }
}

/**
 * The learning rate a normalised learned optimizer is meta-trained (and then judged) at: a peak
 * and a schedule, run over each training run's own length. A weights file records it.
 */
export interface EpisodeSchedule {
  /** The peak learning rate. */
  innerLr: number;
  innerSchedule: 'constant' | 'cosine' | 'warmup-cosine';
  /** Shorter steps for tensors wider than the family's, when set (width-scale.ts). */
  widthScale?: WidthScale | undefined;
  /** Shorter steps for networks deeper than the family's, when set (depth-scale.ts). */
  depthScale?: DepthScale | undefined;
}

/** An episode's learning rate: the schedule over its own horizon (warm-up: its first 5 %). */
export function episodeLearningRate(
  settings: EpisodeSchedule,
  horizon: number,
): LearningRateSchedule {
  const peak = settings.innerLr;
  switch (settings.innerSchedule) {
    case 'constant':
      return peak;
    case 'cosine':
      return { kind: 'cosine', peak, totalSteps: horizon };
    case 'warmup-cosine':
      return {
        kind: 'warmup-cosine',
        peak,
        // Below the horizon: a one-step episode has no room for a warm-up.
        warmupSteps: Math.max(1, Math.min(horizon - 1, Math.floor(horizon / 20))),
        totalSteps: Math.max(2, horizon),
      };
  }
}
