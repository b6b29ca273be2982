/**
 * When the inner problem's episodes end, as learned_optimization's `TruncationSchedule`
 * (`outer_trainers/truncation_schedule.py`) answers it: a constant horizon T, every episode
 * T inner steps (its `ConstantTruncationSchedule`), or `Infinity` for episodes that never end
 * (its `NeverEndingTruncationSchedule`).
 *
 * A task keeps one counter per particle, `t[p]` = steps taken in p's current episode, as a
 * plain Int32Array inside its state, so states snapshot and restore as they are. The schedule
 * owns everything done to those counters, mirroring the `Task` methods that carry them
 * (`init`, `unroll`, `reset`, `gather`) and the `done` convention of `task.ts`; the task keeps
 * its own state (arrays, tensors, simulators) and re-initialises the particles it is told to.
 */
export interface TruncationSchedule {
  /** Inner steps per episode, T; `Infinity` when episodes never end. */
  readonly horizon: number;
  /**
   * Counters at the start of meta-training: particle p begins `stepOffsets[p] mod T` steps into
   * its first episode (staggering), the others at 0. Offsets are ignored when T is infinite.
   */
  init(particles: number, stepOffsets?: Int32Array): Int32Array;
  /** Whether the step an episode takes after `t` steps is its last one. */
  isLastStep(t: number): boolean;
  /** The bookkeeping of one unroll of `steps` steps from counters `t`, which it leaves unchanged. */
  unroll(t: Int32Array, steps: number): UnrollEpisodes;
  /** New counters in which the particles with `mask[p] = 1` start a fresh episode. */
  reset(t: Int32Array, mask: Uint8Array): Int32Array;
  /** New counters whose particle p is particle `indices[p]` of `t`. */
  gather(t: Int32Array, indices: Int32Array): Int32Array;
}

/** Episode bookkeeping over one unroll: the counters as they advance, and the `done` flags. */
export interface UnrollEpisodes {
  /** particles: steps taken in each particle's current episode, advanced in place by `step`. */
  readonly t: Int32Array;
  /** particles × steps: `done[p, k] = 1` where particle p's episode ended at step k. */
  readonly done: Uint8Array;
  /**
   * Counts particle p's step k (read `t[p]` before it for the step's own index). True when it
   * was the episode's last: the counter is then back at 0, and the caller re-initialises p so
   * that step k + 1 is the first of a new episode.
   */
  step(p: number, k: number): boolean;
  /** The particles whose episodes ended at step k, in increasing order: those to re-initialise. */
  endedAt(k: number): number[];
}

export function truncationSchedule(horizon: number): TruncationSchedule {
  if (!(horizon === Infinity || (Number.isInteger(horizon) && horizon >= 1))) {
    throw new RangeError(`horizon must be a positive integer or Infinity, got ${horizon}`);
  }
  const finite = Number.isFinite(horizon);
  const isLastStep = (t: number) => t + 1 >= horizon;

  return {
    horizon,
    init(particles, stepOffsets) {
      const t = new Int32Array(particles);
      // An offset into a never-ending episode would change nothing but the counter.
      if (stepOffsets && finite) t.set(stepOffsets.map((o) => o % horizon));
      return t;
    },
    isLastStep,
    unroll(start, steps) {
      const t = start.slice();
      const particles = t.length;
      const done = new Uint8Array(particles * steps);
      return {
        t,
        done,
        step(p, k) {
          if (!isLastStep(t[p]!)) {
            t[p]!++;
            return false;
          }
          t[p] = 0;
          done[p * steps + k] = 1;
          return true;
        },
        endedAt(k) {
          const ended: number[] = [];
          for (let p = 0; p < particles; p++) if (done[p * steps + k]) ended.push(p);
          return ended;
        },
      };
    },
    reset(t, mask) {
      const next = t.slice();
      for (let p = 0; p < next.length; p++) if (mask[p]) next[p] = 0;
      return next;
    },
    gather: (t, indices) => Int32Array.from(indices, (p) => t[p]!),
  };
}
