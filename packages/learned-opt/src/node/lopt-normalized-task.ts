import { familyTask } from '../family/family-task.js';
import type { FamilyMember, TaskFamily } from '../family/task-family.js';
import { episodeLearningRate, type EpisodeSchedule } from '../normalized/learning-rate-schedule.js';
import { normalizedLopt, type NormalizedLoptSettings } from '../normalized/normalized-lopt.js';
import { untrainedNormalizedTheta } from '../normalized/normalized-optimizer.js';
import { learnedOptimizerRule } from '../tensor-learned-optimizer.js';
import { loadFamilyData } from './lopt-family-task.js';

/** How each episode of `lopt-normalized` steps (the task's options, lopt-normalized-spec.ts). */
export interface NormalizedEpisodeSettings extends EpisodeSchedule {
  /** Give each episode its horizon as the total number of steps (the fraction features). */
  fractionFeatures: boolean;
  oneDimensional: 'learned' | 'adam';
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
