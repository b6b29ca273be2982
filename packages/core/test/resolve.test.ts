import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseRunSettings,
  mergeRunSettings,
  resolveRun,
  resolveTaskOptions,
  reviseRun,
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

describe('resolveRun: one run, resolved once', () => {
  it('carries the spec, the settings, the options with their defaults, and the flat config', () => {
    const run = resolveRun(spec, { estimator: 'tes', particles: 4 });
    expect(run.spec).toBe(spec);
    expect(run.settings.sigma).toBe(0.05);
    expect(run.settings.particles).toBe(4);
    expect(run.options).toEqual({ width: 7 });
    // config.json's order: the task, the estimator, the task's options, the shared settings.
    expect(Object.keys(run.config).slice(0, 4)).toEqual([
      'task',
      'estimator',
      'width',
      'unrollLength',
    ]);
    expect(run.config).toMatchObject({ task: 'made-up', estimator: 'tes', width: 7, particles: 4 });
  });

  it('resolves its own flat config to itself, and revises one setting over the same spec', () => {
    const run = resolveRun(spec, { width: 3 });
    expect(resolveRun(spec, run.config)).toEqual(run);
    const revised = reviseRun(run, { width: 5 });
    expect(revised.options).toEqual({ width: 5 });
    expect({ ...revised.config, width: 3 }).toEqual(run.config);
  });

  it('gives a task its defaults without a run (resolveTaskOptions), and refuses a bad value', () => {
    expect(resolveTaskOptions(spec)).toEqual({ width: 7 });
    expect(() => resolveRun(spec, { width: 'wide' })).toThrow();
  });
});
