import type { ImageData } from '@pes/inner-problems';
import { loadImageData } from '@pes/inner-problems/node';
import { familyTask } from '../family/family-task.js';
import type { FamilyMember, TaskFamily } from '../family/task-family.js';
import { initialLoptTheta } from '../lopt-theta.js';
import { mlpLearnedOptimizerRule } from '../mlp-lopt.js';

type FamilyData = Partial<Record<FamilyMember['dataset'], ImageData>>;

/** Each dataset of the family, loaded (into SharedArrayBuffers when `share`: a run's threads). */
export async function loadFamilyData(family: TaskFamily, share = false): Promise<FamilyData> {
  const { greyDownsampleData, shareImageData } = await import('@pes/inner-problems');
  const data: FamilyData = {};
  for (const { name, dir, size } of family.datasets) {
    const full = loadImageData({ dataset: name, ...(dir ? { dir } : {}) });
    const loaded = size === undefined ? full : greyDownsampleData(full, size);
    data[name] = share ? shareImageData(loaded) : loaded;
  }
  return data;
}

/** The `lopt-family` task: the MLP learned optimizer training networks drawn from `family`. */
export async function loptFamilyTask(family: TaskFamily, shared?: unknown) {
  return familyTask({
    name: 'lopt-family',
    family,
    data: (shared as FamilyData | undefined) ?? (await loadFamilyData(family)),
    rule: mlpLearnedOptimizerRule(initialLoptTheta()),
    objective: 'val-loss',
  });
}
