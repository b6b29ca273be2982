import { randomIntegers, type Key } from '../random.js';
import type { Task } from '../task.js';
import type { EstimatorSettings } from './types.js';

export interface ResolvedSettings {
  particles: number;
  sigma: number;
  unrollLength: number;
  antithetic: boolean;
  stagger: boolean;
  fitnessShaping: boolean;
}

/** Fills defaults and rejects settings no estimator could use, naming the setting. */
export function resolveSettings(
  settings: EstimatorSettings,
  { usesNoise }: { usesNoise: boolean },
): ResolvedSettings {
  const resolved: ResolvedSettings = {
    particles: settings.particles,
    sigma: settings.sigma,
    unrollLength: settings.unrollLength,
    antithetic: usesNoise && (settings.antithetic ?? true),
    stagger: settings.stagger ?? true,
    fitnessShaping: settings.fitnessShaping ?? false,
  };
  if (!Number.isInteger(resolved.particles) || resolved.particles < 1) {
    throw new RangeError(`particles must be a positive integer, got ${settings.particles}`);
  }
  if (!Number.isInteger(resolved.unrollLength) || resolved.unrollLength < 1) {
    throw new RangeError(`unroll length must be a positive integer, got ${settings.unrollLength}`);
  }
  if (usesNoise) {
    if (!(resolved.sigma > 0) || !Number.isFinite(resolved.sigma)) {
      throw new RangeError(`sigma must be a positive finite number, got ${settings.sigma}`);
    }
    if (resolved.antithetic && resolved.particles % 2 !== 0) {
      throw new RangeError(
        `antithetic sampling needs an even number of particles, got ${settings.particles}`,
      );
    }
  }
  return resolved;
}

/** Particles that move together: antithetic pairs share a state's fate. */
export function groupSize(settings: ResolvedSettings): number {
  return settings.antithetic ? 2 : 1;
}

/**
 * Starting offsets that stagger episodes: one uniform draw per group (pairs reset together),
 * in multiples of `granularity` steps. Undefined for a never-ending task or when disabled.
 */
export function staggerOffsets(
  key: Key,
  task: Task,
  settings: ResolvedSettings,
  granularity = 1,
): Int32Array | undefined {
  if (!settings.stagger || !Number.isFinite(task.horizon)) return undefined;
  const group = groupSize(settings);
  const groups = settings.particles / group;
  const slots = Math.max(1, Math.ceil(task.horizon / granularity));
  const draws = randomIntegers(key, groups, slots);
  const offsets = new Int32Array(settings.particles);
  for (let p = 0; p < settings.particles; p++) {
    offsets[p] = Math.min(task.horizon - 1, draws[Math.floor(p / group)]! * granularity);
  }
  return offsets;
}

/**
 * Which particles have only finite losses. A group (antithetic pair) with any non-finite
 * loss is left out whole: keeping one member would un-pair the estimate.
 */
export function finiteParticles(
  losses: Float64Array,
  particles: number,
  steps: number,
  group: number,
): { include: Uint8Array; excluded: Uint8Array; excludedCount: number } {
  const include = new Uint8Array(particles).fill(1);
  const excluded = new Uint8Array(particles);
  let excludedCount = 0;
  for (let p = 0; p < particles; p++) {
    for (let k = 0; k < steps; k++) {
      if (!Number.isFinite(losses[p * steps + k]!)) {
        const first = p - (p % group);
        for (let q = first; q < first + group; q++) {
          if (include[q]) excludedCount++;
          include[q] = 0;
          excluded[q] = 1;
        }
        break;
      }
    }
  }
  return { include, excluded, excludedCount };
}

export function countEnded(done: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < done.length; i++) n += done[i]!;
  return n;
}

/** Mean of the included objectives (NaN when none is included). */
export function meanObjective(objectives: Float64Array, include?: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < objectives.length; p++) {
    if (include && !include[p]) continue;
    sum += objectives[p]!;
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}

/** Zeroes the rows of a particles × dim array where `mask[p]` is set. */
export function zeroRows(rows: Float64Array, mask: Uint8Array, dim: number): void {
  for (let p = 0; p < mask.length; p++) if (mask[p]) rows.fill(0, p * dim, (p + 1) * dim);
}

export function snapshotTaskState<S>(task: Task<S>, state: S): unknown {
  return task.snapshot ? task.snapshot(state) : state;
}

export function restoreTaskState<S>(task: Task<S>, snapshot: unknown): S {
  return task.restore ? task.restore(snapshot) : (snapshot as S);
}

export function disposeTaskState<S>(task: Task<S>, state: S): void {
  task.dispose?.(state);
}

/**
 * Averages exact per-particle gradients (particles × dim) over the particles whose losses and
 * gradients are all finite; the others are marked in `excluded`. NaN when none is usable: the
 * meta-trainer then skips the update.
 */
export function averageFiniteGradients(
  losses: Float64Array,
  grads: Float64Array,
  particles: number,
  steps: number,
  dim: number,
) {
  const { include } = finiteParticles(losses, particles, steps, 1);
  const grad = new Float64Array(dim);
  const excluded = new Uint8Array(particles);
  let used = 0;
  let lossSum = 0;
  for (let p = 0; p < particles; p++) {
    const row = grads.subarray(p * dim, (p + 1) * dim);
    if (!include[p] || !row.every(Number.isFinite)) {
      excluded[p] = 1;
      continue;
    }
    used++;
    for (let k = 0; k < steps; k++) lossSum += losses[p * steps + k]!;
    for (let j = 0; j < dim; j++) grad[j]! += row[j]!;
  }
  if (used > 0) for (let j = 0; j < dim; j++) grad[j]! /= used;
  else grad.fill(Number.NaN);
  return {
    grad,
    excluded,
    excludedCount: particles - used,
    metaLoss: used > 0 ? lossSum / used : Number.NaN,
  };
}

/**
 * A state in which the particles marked in `excluded` (their losses were not finite) start a
 * fresh episode; `state` itself when none is marked. A replaced state is disposed.
 */
export function restartDiverged<S>(task: Task<S>, state: S, excluded: Uint8Array, key: Key): S {
  if (!excluded.some((x) => x === 1)) return state;
  const next = task.reset(state, excluded, key);
  disposeTaskState(task, state);
  return next;
}
