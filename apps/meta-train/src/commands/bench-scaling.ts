import { availableParallelism } from 'node:os';
import type { MetaTrainer, MetaTrainState, Task } from '@pes/core';
import { buildRun, prepareBackend } from '../build.js';
import { resolveConfig, type RunConfig } from '../config.js';
import { UsageError } from '../errors.js';
import type { Io } from './meta-train.js';
import { median } from './median.js';

export interface ScalingOptions {
  task: string;
  workers: number[];
  repeats: number;
  /** Outer iterations in each timed repeat. */
  iterations: number;
  particles?: number;
  horizon?: number;
  json: boolean;
}

interface Variant {
  workers: number;
  task: Task;
  trainer: MetaTrainer;
  state: MetaTrainState;
  times: number[];
}

/**
 * `pes bench scaling`: seconds per outer iteration of a task's meta-training (its own settings,
 * no evaluation) with its particles split over 1, 2, … worker threads, the variants interleaved
 * repeat by repeat so that a noisy machine slows them alike; medians and the speed-up over the
 * first. The initial evaluation and one warm-up iteration are not timed.
 */
export async function benchScaling(options: ScalingOptions, io: Io): Promise<number> {
  if (options.workers.some((w) => !Number.isInteger(w) || w < 1))
    throw new UsageError(`--workers must be positive integers, got ${options.workers.join(',')}`);
  if (!Number.isInteger(options.repeats) || options.repeats < 1)
    throw new UsageError(`--repeats must be a positive integer, got ${options.repeats}`);
  if (!Number.isInteger(options.iterations) || options.iterations < 1)
    throw new UsageError(`--iterations must be a positive integer, got ${options.iterations}`);
  const config: RunConfig = resolveConfig({
    task: options.task,
    iterations: 1_000_000,
    evalEvery: 0,
    ...(options.particles !== undefined ? { particles: options.particles } : {}),
    ...(options.horizon !== undefined ? { horizon: options.horizon } : {}),
  });
  await prepareBackend(config, options.json ? () => undefined : io.out);
  if (!options.json)
    io.out(
      `pes: ${config.task} with ${config.estimator}, N = ${config.particles}, K = ${config.unrollLength}; ${options.repeats} repeats of ${options.iterations} iterations; ${availableParallelism()} cores`,
    );
  const variants: Variant[] = [];
  try {
    for (const workers of options.workers) {
      const { task, trainer } = await buildRun(config, { workers });
      let state = trainer.init();
      state = trainer.step(state).state; // warm-up: first-call compilation, caches
      variants.push({ workers, task, trainer, state, times: [] });
    }
    for (let r = 0; r < options.repeats; r++) {
      for (const v of variants) {
        const started = performance.now();
        for (let i = 0; i < options.iterations; i++) v.state = v.trainer.step(v.state).state;
        v.times.push((performance.now() - started) / 1000 / options.iterations);
      }
    }
  } finally {
    for (const v of variants) {
      v.trainer.dispose(v.state);
      v.task.close?.();
    }
  }
  const base = median(variants[0]!.times);
  const rows = variants.map((v) => ({
    workers: v.workers,
    threads: (v.task as { workers?: number }).workers ?? 1,
    secondsPerIteration: median(v.times),
    speedup: base / median(v.times),
  }));
  if (options.json) {
    io.out(JSON.stringify({ task: config.task, particles: config.particles, rows }));
    return 0;
  }
  for (const row of rows) {
    io.out(
      `  ${String(row.workers).padStart(2)} workers  median ${row.secondsPerIteration.toFixed(4)} s/iteration  ×${row.speedup.toFixed(2)}`,
    );
  }
  return 0;
}
