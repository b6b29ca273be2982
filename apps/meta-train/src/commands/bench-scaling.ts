import { spawn } from 'node:child_process';
import { jaxReference } from './bench-jax-reference.js';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, type MetaTrainer, type MetaTrainState, type Task } from '@pes/core';
import type { ShardedTask } from '@pes/core/node';
import type { CoordinatorStats, RedisPool } from '@pes/cluster/node';
import { UsageError } from '../errors.js';
import { buildRun, prepareBackend, type Isolation, resolveRun, type Io } from '@pes/runner/node';

export interface ScalingOptions {
  task: string;
  workers: number[];
  repeats: number;
  /** Outer iterations in each timed repeat. */
  iterations: number;
  particles?: number;
  horizon?: number;
  /** The task's data directory (CIFAR-10's binary batches, full MNIST). */
  dataDir?: string;
  /** Threads, processes or both, each with every worker count, interleaved. */
  isolations?: (Isolation | 'auto')[];
  /** Shard over `pes worker`s attached through this Redis instead of threads. */
  redis?: string;
  /** With `redis`: start the workers here, as many as the variants need together. */
  spawn?: boolean;
  /**
   * mnist-lr-schedule only: after the repeats, the same iteration in JAX
   * (tools/bench/pes_iteration_jax.py) on one core and on every core, for the ratios.
   */
  compareJax?: boolean;
  json: boolean;
}

interface Variant {
  workers: number;
  isolation: Isolation | 'auto';
  task: Task;
  /** Redis's cost of the timed iterations: milliseconds not spent computing, bytes moved. */
  redis?: { overheadMs: number; bytes: number };
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
  const run = await prepareBackend(
    resolveRun({
      task: options.task,
      iterations: 1_000_000,
      evalEvery: 0,
      ...(options.particles !== undefined ? { particles: options.particles } : {}),
      ...(options.horizon !== undefined ? { horizon: options.horizon } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    }),
    options.json ? () => undefined : io.out,
  );
  const { config } = run;
  if (!options.json)
    io.out(
      `pes: ${config.task} with ${config.estimator}, N = ${config.particles}, K = ${config.unrollLength}; ${options.repeats} repeats of ${options.iterations} iterations; ${availableParallelism()} cores`,
    );
  if (options.compareJax && config.task !== 'mnist-lr-schedule')
    throw new UsageError('--compare-jax times the main job: it needs --task mnist-lr-schedule');
  const jax = options.compareJax ? jaxReference(config, availableParallelism()) : undefined;
  const variants: Variant[] = [];
  const secret = options.redis
    ? (await import('@pes/cluster/node')).clusterSecret(undefined)
    : undefined;
  const spawned =
    options.redis && options.spawn
      ? await spawnWorkers(
          options.redis,
          options.workers.reduce((a, b) => a + b, 0),
        )
      : undefined;
  try {
    const isolations = options.isolations ?? ['auto'];
    for (const [workers, isolation] of options.workers.flatMap((w) =>
      // One worker is the in-process path whatever the isolation: measured once.
      w === 1 ? [[w, isolations[0]!] as const] : isolations.map((i) => [w, i] as const),
    )) {
      const { task, trainer } = await buildRun(run, {
        workers,
        isolation,
        ...(options.redis
          ? {
              cluster: {
                url: options.redis,
                lease: 10,
                wait: 60,
                say: () => undefined,
                // PES_CLUSTER_SECRET, which the workers (spawned here or not) read too.
                ...(secret ? { secret } : {}),
              },
            }
          : {}),
      });
      let state = trainer.init();
      state = trainer.step(state).state; // warm-up: first-call compilation, caches
      variants.push({ workers, isolation, task, trainer, state, times: [] });
    }
    for (let r = 0; r < options.repeats; r++) {
      for (const v of variants) {
        const before = measuredOf(v.task);
        const started = performance.now();
        for (let i = 0; i < options.iterations; i++) v.state = v.trainer.step(v.state).state;
        v.times.push((performance.now() - started) / 1000 / options.iterations);
        const after = measuredOf(v.task);
        if (before && after) {
          v.redis ??= { overheadMs: 0, bytes: 0 };
          v.redis.overheadMs += after.overheadMs - before.overheadMs;
          v.redis.bytes +=
            after.bytesSent + after.bytesReceived - before.bytesSent - before.bytesReceived;
        }
      }
    }
    // JAX after ours, in one child per thread count: a child process started between repeats made
    // the next tfjs-node iterations slower here (1 worker: 0.082 → 0.134 s), which interleaving
    // would have charged to @pes.
    jax?.time(options.iterations, options.repeats);
  } finally {
    for (const v of variants) {
      v.trainer.dispose(v.state);
      v.task.close?.();
    }
    await spawned?.stop();
  }
  const timed = options.repeats * options.iterations;
  const base = median(variants[0]!.times);
  const rows = variants.map((v) => ({
    workers: v.workers,
    // What `auto` chose shows as what it is.
    ...(options.redis ? {} : { isolation: isolationOf(v) }),
    threads: (v.task as { workers?: number }).workers ?? 1,
    secondsPerIteration: median(v.times),
    speedup: base / median(v.times),
    ...(v.redis
      ? {
          redisMsPerIteration: v.redis.overheadMs / timed,
          redisBytesPerIteration: v.redis.bytes / timed,
        }
      : {}),
  }));
  const jaxRows = jax?.rows(rows);
  if (options.json) {
    io.out(
      JSON.stringify({
        task: config.task,
        particles: config.particles,
        rows,
        ...(jaxRows ? { jax: jaxRows } : {}),
      }),
    );
    return 0;
  }
  for (const row of rows) {
    io.out(
      `  ${String(row.workers).padStart(2)} workers${row.isolation && row.workers > 1 ? ` (${row.isolation.padEnd(9)})` : '            '}  median ${row.secondsPerIteration.toFixed(4)} s/iteration  ×${row.speedup.toFixed(2)}${
        row.redisMsPerIteration !== undefined
          ? `  Redis ${row.redisMsPerIteration.toFixed(2)} ms and ${formatBytes(row.redisBytesPerIteration!)} per iteration`
          : ''
      }`,
    );
    for (const row of jaxRows ?? [])
      io.out(
        `  JAX, ${row.threads} thread${row.threads > 1 ? 's' : ' '}      median ${row.secondsPerIteration.toFixed(4)} s/iteration  @pes with ${row.workers} worker${row.workers > 1 ? 's' : ''} takes ×${row.ratio.toFixed(2)} JAX's time`,
      );
  }
  return 0;
}

/** The coordinator's measurements of a task sharded over Redis; undefined for threads. */
function measuredOf(task: Task): CoordinatorStats | undefined {
  const pool = (task as Partial<ShardedTask>).pool as Partial<RedisPool> | undefined;
  return pool?.measured?.();
}

function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** `count` local `pes worker`s on `url`, once each has joined. */
async function spawnWorkers(url: string, count: number) {
  const bin = fileURLToPath(new URL('../../bin/pes.js', import.meta.url));
  const children = Array.from({ length: count }, () =>
    // The URL in their environment, not on their command line, where `ps` would show it.
    spawn(process.execPath, [bin, 'worker'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PES_REDIS_URL: url },
    }),
  );
  const exits = children.map((c) => new Promise((resolve) => c.once('exit', resolve)));
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve, reject) => {
          let seen = '';
          c.stdout!.on('data', (d: Buffer) => {
            seen += d.toString();
            if (seen.includes('joined')) resolve();
          });
          c.once('exit', (code) => reject(new UsageError(`a spawned pes worker exited (${code})`)));
        }),
    ),
  );
  return {
    stop: async () => {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(exits);
    },
  };
}

/** threads or processes: what a variant's shards are (threads for the unsharded one). */
function isolationOf(v: Variant): Isolation {
  const kind = (v.task as Partial<ShardedTask>).pool?.kind;
  return kind === 'worker processes'
    ? 'processes'
    : kind === 'worker threads'
      ? 'threads'
      : v.isolation === 'processes'
        ? 'processes'
        : 'threads';
}
