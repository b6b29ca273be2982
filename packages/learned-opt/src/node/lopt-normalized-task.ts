import { familyTask } from '../family/family-task.js';
import type { FamilyMember, TaskFamily } from '../family/task-family.js';
import type { LearningRateSchedule } from '../normalized/learning-rate-schedule.js';
import { normalizedLopt, type NormalizedLoptSettings } from '../normalized/normalized-lopt.js';
import { untrainedNormalizedTheta } from '../normalized/normalized-optimizer.js';
import { learnedOptimizerRule } from '../tensor-learned-optimizer.js';
import { loadFamilyData } from './lopt-family-task.js';

/** How each episode of `lopt-normalized` steps (the task's options, lopt-normalized-spec.ts). */
export interface NormalizedEpisodeSettings {
  /** The peak learning rate. */
  innerLr: number;
  innerSchedule: 'constant' | 'cosine' | 'warmup-cosine';
  /** Give each episode its horizon as the total number of steps (the fraction features). */
  fractionFeatures: boolean;
  oneDimensional: 'learned' | 'adam';
}

/** An episode's learning rate: the schedule over its own horizon (warm-up: its first 5 %). */
export function episodeLearningRate(
  settings: Pick<NormalizedEpisodeSettings, 'innerLr' | 'innerSchedule'>,
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

/** The normalised learned optimizer's settings for one member's episodes. */
export function episodeSettings(
  settings: NormalizedEpisodeSettings,
  member: FamilyMember,
): NormalizedLoptSettings {
  return {
    learningRate: episodeLearningRate(settings, member.horizon),
    totalSteps: settings.fractionFeatures ? member.horizon : undefined,
    oneDimensional: settings.oneDimensional,
  };
}

/**
 * The `lopt-normalized` task: the normalised learned optimizer training networks drawn from
 * `family` (reparameterised when the family says so), each episode at its own schedule.
 */
export async function loptNormalizedTask(
  family: TaskFamily,
  settings: NormalizedEpisodeSettings,
  shared?: unknown,
) {
  const start = untrainedNormalizedTheta();
  const ruleAt = (s: NormalizedLoptSettings) => learnedOptimizerRule(normalizedLopt(s), start);
  return familyTask({
    name: 'lopt-normalized',
    family,
    data:
      (shared as Awaited<ReturnType<typeof loadFamilyData>> | undefined) ??
      (await loadFamilyData(family)),
    rule: ruleAt({ learningRate: settings.innerLr, oneDimensional: settings.oneDimensional }),
    ruleFor: (member) => ruleAt(episodeSettings(settings, member)),
    objective: 'val-loss',
  });
}
