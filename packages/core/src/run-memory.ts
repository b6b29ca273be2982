import type { RunSettings } from './run/run-settings.js';
import type { TaskSpec } from './task-spec.js';

/** Node, the tensor library and the modules, before any state: a quadratic run is ~150 MB resident. */
export const RUNTIME_BYTES = 200 * 2 ** 20;
/** Over the state counted: a step's temporaries, garbage not yet collected, copies in transit to workers. */
export const MEMORY_HEADROOM = 2;
/** Per particle and inner step of an unroll: its loss and its done flag, as float64. */
const BYTES_PER_UNROLL_STEP = 16;

/**
 * The memory a run of `spec` with `settings` needs, in bytes: the runtime, then, with headroom,
 * the data it holds once and every particle's state (the task's declaration, or nothing beyond
 * the unroll's losses for a task whose state is a few numbers).
 */
export function estimateRunMemory(
  spec: Pick<TaskSpec, 'memory'>,
  settings: RunSettings & Record<string, unknown>,
): number {
  const task = spec.memory?.(settings) ?? { perParticle: 0, shared: 0 };
  const perParticle = task.perParticle + settings.unrollLength * BYTES_PER_UNROLL_STEP;
  return RUNTIME_BYTES + MEMORY_HEADROOM * (task.shared + settings.particles * perParticle);
}
