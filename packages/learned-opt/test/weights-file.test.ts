import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeKey } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  initialMlpLoptTheta,
  normalizedLearnedOptimizerJson,
  untrainedNormalizedTheta,
} from '../src/index.js';
import {
  loadLearnedOptimizer,
  loadLearnedOptimizerWeights,
  saveLearnedOptimizer,
  WeightsError,
} from '../src/node/index.js';

describe('learned-optimizer weights files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pes-lopt-'));
  const file = join(dir, 'learned-optimizer.json');
  const theta = initialMlpLoptTheta(makeKey(0));

  it('round-trip θ exactly, with the architecture and a format version recorded', () => {
    saveLearnedOptimizer(file, theta);
    expect(Array.from(loadLearnedOptimizer(file))).toEqual(Array.from(theta));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      format: 'pes-learned-optimizer',
      version: 1,
      architecture: { hidden: [32, 32] },
    });
  });

  it.each([
    [
      'another version',
      (b: Record<string, unknown>) => ({ ...b, version: 2 }),
      /format version 2; this @pes reads version 1/,
    ],
    [
      'another architecture',
      (b: Record<string, unknown>) => ({
        ...b,
        architecture: { kind: 'mlp-lopt', inputs: 19, hidden: [64], outputs: 2 },
      }),
      /architecture .*"hidden":\[64\].*expected/,
    ],
    [
      'θ of the wrong length',
      (b: Record<string, unknown>) => ({ ...b, theta: [1, 2, 3] }),
      /θ must be 1762 finite numbers/,
    ],
    ['a foreign file', () => ({ hello: 1 }), /is not a @pes learned-optimizer file/],
  ])('refuse %s with a message naming it', (_name, change, message) => {
    saveLearnedOptimizer(file, theta);
    writeFileSync(file, JSON.stringify(change(JSON.parse(readFileSync(file, 'utf8')))));
    expect(() => loadLearnedOptimizer(file)).toThrow(WeightsError);
    expect(() => loadLearnedOptimizer(file)).toThrow(message);
  });

  it('names a missing file', () => {
    expect(() => loadLearnedOptimizer(join(dir, 'absent.json'))).toThrow(
      /cannot read .*absent\.json: ENOENT/,
    );
  });

  it('of the normalised learned optimizer load with the schedule they were meta-trained at', () => {
    const normalized = join(dir, 'normalized.json');
    const start = untrainedNormalizedTheta();
    writeFileSync(
      normalized,
      normalizedLearnedOptimizerJson(start, { innerLr: 1e-3, innerSchedule: 'warmup-cosine' }),
    );
    const loaded = loadLearnedOptimizerWeights(normalized);
    expect(loaded.theta).toEqual(start);
    expect(loaded.normalized).toEqual({ innerLr: 1e-3, innerSchedule: 'warmup-cosine' });
    const body = JSON.parse(readFileSync(normalized, 'utf8'));
    writeFileSync(
      normalized,
      JSON.stringify({ ...body, metaTrainedAt: { innerLr: -1, innerSchedule: 'cosine' } }),
    );
    expect(() => loadLearnedOptimizerWeights(normalized)).toThrow(WeightsError);
    expect(() => loadLearnedOptimizerWeights(normalized)).toThrow(
      /metaTrainedAt must be \{ innerLr: a positive number/,
    );
  });
});
