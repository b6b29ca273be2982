import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseRunSettings,
  mergeRunSettings,
  splitRunSettings,
  type TaskSpec,
} from '../src/index.js';

/** A task with its own option, defaults over the base, and per-estimator defaults. */
const spec: TaskSpec = {
  name: 'made-up',
  description: 'a task for the merge order',
  options: z.strictObject({ width: z.number().int().optional() }),
  defaults: { particles: 16, sigma: 0.3, width: 7 },
  estimatorDefaults: { tbptt: { particles: 1 }, tes: { sigma: 0.05 } },
  async create() {
    throw new Error('never built');
  },
};

describe('mergeRunSettings: base, task defaults, per-estimator defaults, then what was given', () => {
  it('applies the layers in that order', () => {
    const merged = mergeRunSettings(spec, {});
    expect(merged.estimator).toBe(baseRunSettings.estimator);
    expect(merged.particles).toBe(16);
    expect(merged.sigma).toBe(0.3);
    expect(merged.width).toBe(7);
    expect(merged.outerLr).toBe(baseRunSettings.outerLr);
  });

  it('takes the per-estimator defaults of the estimator given, under the given settings', () => {
    expect(mergeRunSettings(spec, { estimator: 'tbptt' }).particles).toBe(1);
    expect(mergeRunSettings(spec, { estimator: 'tes' }).sigma).toBe(0.05);
    expect(mergeRunSettings(spec, { estimator: 'tes', sigma: 0.2 }).sigma).toBe(0.2);
  });

  it('treats a field given as undefined as not given', () => {
    expect(mergeRunSettings(spec, { particles: undefined }).particles).toBe(16);
  });

  it('splits into validated run settings and task options', () => {
    const { settings, options } = splitRunSettings(spec, mergeRunSettings(spec, { width: 3 }));
    expect(settings.particles).toBe(16);
    expect(options).toEqual({ width: 3 });
    expect(() => splitRunSettings(spec, mergeRunSettings(spec, { width: 1.5 }))).toThrow();
  });
});
