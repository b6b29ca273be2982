import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '@pes/core';
import type { RunConfig } from '@pes/runner/node';
import { UsageError } from '../errors.js';

/** The JAX program of the main job's iteration, and the Python that runs it. */
const JAX_SCRIPT = fileURLToPath(
  new URL('../../../../tools/bench/pes_iteration_jax.py', import.meta.url),
);

/**
 * `--compare-jax`: the same PES iteration written in JAX (jit, vmap over particles, scan over the
 * K steps), timed on one core and on `cores` after each repeat of ours, so that both see the same
 * load. Python comes from PES_JAX_PYTHON, else the virtual environment
 * tools/bench/requirements.txt describes (~/.cache/pes/jax-venv).
 */
export function jaxReference(config: RunConfig, cores: number) {
  const python =
    process.env.PES_JAX_PYTHON ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pes/jax-venv/bin/python');
  if (!existsSync(python))
    throw new UsageError(
      `--compare-jax needs JAX: python3 -m venv ~/.cache/pes/jax-venv && ~/.cache/pes/jax-venv/bin/pip install -r tools/bench/requirements.txt (or set PES_JAX_PYTHON); ${python} is missing`,
    );
  const threads = [...new Set([1, cores])];
  const times = new Map<number, number[]>(threads.map((t) => [t, []]));
  const args = [
    ...['--particles', String(config.particles), '--unroll', String(config.unrollLength)],
    ...['--arch', String(config.arch ?? '784-100-100-10'), '--batch', String(config.batchSize)],
    ...['--horizon', String(config.horizon), '--sigma', String(config.sigma)],
    ...['--outer-lr', String(config.outerLr)],
  ];
  return {
    time(iterations: number, repeats: number) {
      for (const t of threads) {
        const output = execFileSync(
          python,
          [
            ...[JAX_SCRIPT, ...args, '--iterations', String(iterations)],
            ...['--repeats', String(repeats), '--threads', String(t)],
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const report = JSON.parse(output.trim().split('\n').at(-1)!) as {
          seconds_per_iteration: number[];
        };
        times.get(t)!.push(...report.seconds_per_iteration);
      }
    },
    /** JAX's medians beside ours: one worker against one thread, every core against every core. */
    rows(ours: { workers: number; secondsPerIteration: number }[]) {
      return threads.map((t) => {
        const seconds = median(times.get(t)!);
        const mine = ours.find((r) => r.workers === t) ?? ours[0]!;
        return {
          threads: t,
          secondsPerIteration: seconds,
          workers: mine.workers,
          ratio: mine.secondsPerIteration / seconds,
        };
      });
    },
  };
}
