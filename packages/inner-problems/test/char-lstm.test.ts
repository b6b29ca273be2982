import { makeKey, unrollVariance } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { charLstmTask, DataError, sequenceOf, vocabularyOf } from '../src/index.js';

const text = 'to be, or not to be, that is the question: whether tis nobler in the mind to suffer';

describe('texts for the variance analysis', () => {
  it('builds the sorted vocabulary and the three kinds of sequence', () => {
    const { characters } = vocabularyOf(text);
    expect(characters[0]).toBe(' ');
    const real = sequenceOf(text, 'real', 10, makeKey(0));
    expect(real.sequence).toHaveLength(11);
    expect(real.vocabulary).toBe(characters.length);
    expect(Array.from(real.sequence.subarray(0, 2)).map((i) => characters[i])).toEqual(['t', 'o']);
    const random = sequenceOf(text, 'random', 50, makeKey(1));
    expect(new Set(random.sequence).size).toBeGreaterThan(5);
    expect(Math.max(...random.sequence)).toBeLessThan(characters.length);
    expect(new Set(sequenceOf(text, 'repeated', 20, makeKey(2)).sequence).size).toBe(1);
  });

  it('refuses an empty text and one shorter than T + 1 characters', () => {
    expect(() => sequenceOf('', 'real', 10, makeKey(0))).toThrow(DataError);
    expect(() => sequenceOf('abc', 'real', 10, makeKey(0))).toThrow(
      /the text has 3 characters; a sequence of T = 10 needs 11/,
    );
  });
});

describe('character LSTM task', () => {
  const { sequence, vocabulary } = sequenceOf(text, 'real', 40, makeKey(0));
  const task = charLstmTask({ sequence, vocabulary, key: makeKey(3) });

  it('has θ = embedding, LSTM and output weights; its loss starts near log V per character', () => {
    expect(task.dim).toBe(
      vocabulary * 5 + 4 * 5 * 5 + 4 * 5 * 5 + 4 * 5 + vocabulary * 5 + vocabulary,
    );
    const perCharacter = task.evaluate(task.initialTheta(), makeKey(0)).evalLoss / 40;
    expect(Math.abs(perCharacter - Math.log(vocabulary))).toBeLessThan(0.5);
  });

  it('unrolls particles independently, ends the pass at T and restarts from a zero state', () => {
    const theta = task.initialTheta();
    const thetas = new Float64Array(2 * task.dim);
    thetas.set(theta, 0);
    thetas.set(theta, task.dim);
    const r = task.unroll(task.init(makeKey(0), 2), thetas, 41, makeKey(0));
    expect(r.done[39]).toBe(1);
    expect(r.losses[40]).toBeCloseTo(r.losses[0]!, 12); // the second pass starts like the first
    expect(Array.from(r.losses.subarray(0, 41))).toEqual(Array.from(r.losses.subarray(41)));
  });

  it('variance analysis: with one unroll PES and noise-reuse ES are the same estimator', () => {
    const { points } = unrollVariance(task, task.initialTheta(), {
      unrollLengths: [40, 4],
      particles: 8,
      repeats: 3,
      referenceParticles: 40,
      sigma: 1e-3,
      key: makeKey(4),
    });
    const at = (e: string, K: number) =>
      points.find((p) => p.estimator === e && p.unrollLength === K)!;
    expect(at('pes', 40).meanError).toBe(at('nres', 40).meanError);
    expect(at('pes', 4).unrolls).toBe(10);
    expect(() =>
      unrollVariance(task, task.initialTheta(), {
        unrollLengths: [7],
        particles: 2,
        repeats: 2,
        referenceParticles: 2,
        sigma: 1e-3,
        key: makeKey(0),
      }),
    ).toThrow(/unroll length 7 does not divide the horizon T = 40/);
  });
});
