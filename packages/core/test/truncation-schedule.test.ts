import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, truncationSchedule } from '../src/index.js';

/** Runs every particle `steps` steps, as a task's unroll does, and records what `step` said. */
function unrollAll(horizon: number, start: Int32Array, steps: number) {
  const episodes = truncationSchedule(horizon).unroll(start, steps);
  const said = new Uint8Array(start.length * steps);
  const seen: number[][] = []; // the counter each step read, particle by particle
  for (let p = 0; p < start.length; p++) {
    seen.push([]);
    for (let k = 0; k < steps; k++) {
      seen[p]!.push(episodes.t[p]!);
      said[p * steps + k] = episodes.step(p, k) ? 1 : 0;
    }
  }
  return { episodes, said, seen };
}

describe('truncation schedule', () => {
  it('starts each particle stepOffsets[p] mod T into its first episode', () => {
    const schedule = truncationSchedule(3);
    expect(Array.from(schedule.init(3, Int32Array.of(0, 2, 7)))).toEqual([0, 2, 1]);
    expect(Array.from(schedule.init(3, Int32Array.of(4)))).toEqual([1, 0, 0]);
    expect(Array.from(schedule.init(2))).toEqual([0, 0]);
  });

  it('ends an episode exactly at the horizon and restarts its counter', () => {
    // T = 3 from counters 0, 2, 1, five steps. Particle 0 ends at k = 2 (its third step);
    // particle 1 is two steps in, so its first step ends the episode, then k = 3 does;
    // particle 2 ends at k = 1 and k = 4.
    const { episodes, said, seen } = unrollAll(3, Int32Array.of(0, 2, 1), 5);
    const expected = [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1];
    expect(Array.from(episodes.done)).toEqual(expected);
    expect(Array.from(said)).toEqual(expected);
    expect(seen).toEqual([
      [0, 1, 2, 0, 1],
      [2, 0, 1, 2, 0],
      [1, 2, 0, 1, 2],
    ]);
    expect(Array.from(episodes.t)).toEqual([2, 1, 0]);
    expect([0, 1, 2, 3, 4].map((k) => episodes.endedAt(k))).toEqual([[1], [2], [0], [1], [2]]);
  });

  it('leaves the counters it starts from unchanged', () => {
    const start = Int32Array.of(0, 2);
    unrollAll(3, start, 4);
    expect(Array.from(start)).toEqual([0, 2]);
  });

  it('with T = 1 ends every step, and lists particles ending together in order', () => {
    const { episodes } = unrollAll(1, new Int32Array(3), 2);
    expect(Array.from(episodes.done)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(episodes.t)).toEqual([0, 0, 0]);
    expect(episodes.endedAt(1)).toEqual([0, 1, 2]);
  });

  it('says which step is the last one', () => {
    const schedule = truncationSchedule(3);
    expect([0, 1, 2].map((t) => schedule.isLastStep(t))).toEqual([false, false, true]);
    expect(truncationSchedule(Infinity).isLastStep(2 ** 31 - 1)).toBe(false);
  });

  it('with an infinite horizon never ends and ignores offsets', () => {
    const schedule = truncationSchedule(Infinity);
    const start = schedule.init(2, Int32Array.of(5, 7));
    expect(Array.from(start)).toEqual([0, 0]);
    const { episodes } = unrollAll(Infinity, start, 4);
    expect(Array.from(episodes.done)).toEqual(new Array(8).fill(0));
    expect(Array.from(episodes.t)).toEqual([4, 4]);
    expect(episodes.endedAt(3)).toEqual([]);
  });

  it('reset restarts only the masked particles, as a new array', () => {
    const schedule = truncationSchedule(5);
    const t = Int32Array.of(3, 1, 2);
    expect(Array.from(schedule.reset(t, Uint8Array.of(0, 1, 1)))).toEqual([3, 0, 0]);
    expect(Array.from(schedule.reset(t, Uint8Array.of(1)))).toEqual([0, 1, 2]);
    expect(Array.from(t)).toEqual([3, 1, 2]);
  });

  it('gather picks particles by index, repeats allowed', () => {
    const t = Int32Array.of(5, 6, 7);
    const gathered = truncationSchedule(10).gather(t, Int32Array.of(2, 0, 0, 1));
    expect(gathered).toBeInstanceOf(Int32Array);
    expect(Array.from(gathered)).toEqual([7, 5, 5, 6]);
  });

  it('counters go through a checkpoint as they are', () => {
    const t = truncationSchedule(4).init(3, Int32Array.of(1, 2, 3));
    const back = decodeState(JSON.parse(JSON.stringify(encodeState({ t })))) as { t: unknown };
    expect(back.t).toEqual(t);
    expect(back.t).toBeInstanceOf(Int32Array);
  });

  it('rejects horizons that are not positive integers or Infinity', () => {
    for (const bad of [0, -1, 2.5, NaN]) expect(() => truncationSchedule(bad)).toThrow(RangeError);
  });
});
