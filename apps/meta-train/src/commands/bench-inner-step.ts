import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { foldIn, log, makeKey, median, persistentEs, type Task } from '@pes/core';
import {
  constantLearningRateRule,
  imageClassificationTask,
  momentumTensor,
  parseArchitecture,
  resolveFormulation,
  type Formulation,
  type ImageData,
} from '@pes/inner-problems';
import { loadImageData, type DatasetName } from '@pes/inner-problems/node';
import { UsageError } from '../errors.js';
import { selectBackend, type Io } from '@pes/runner/node';

const NUMPY_SCRIPT = join(import.meta.dirname, '../../../../tools/bench/mlp_step_numpy.py');
const WARM_UP = 2;

export interface InnerStepOptions {
  dataset: DatasetName;
  dataDir?: string;
  arch: string;
  batch: number;
  particles: number[];
  repeats: number;
  json: boolean;
  compareNumpy: boolean;
  memory: boolean;
}

/** Multiply-adds ×2 of forward, weight gradients and input gradients (none for the data). */
function flopsPerNetworkStep(sizes: readonly number[], batch: number): number {
  let weights = 0;
  for (let l = 1; l < sizes.length; l++) weights += sizes[l - 1]! * sizes[l]!;
  const inputGradients = weights - sizes[0]! * sizes[1]!;
  return 2 * batch * (2 * weights + inputGradients);
}

function numpyStep(particles: number, repeats: number, options: InnerStepOptions): number[] {
  const env = { ...process.env };
  // docs/performance.md: these two slow a current OpenBLAS down; unset them for the reference only.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  try {
    const output = execFileSync(
      'python3',
      [
        NUMPY_SCRIPT,
        '--particles',
        String(particles),
        '--arch',
        options.arch,
        '--batch',
        String(options.batch),
        '--repeats',
        String(repeats),
      ],
      { encoding: 'utf8', env },
    );
    return (JSON.parse(output) as { ms: number[] }).ms;
  } catch (error) {
    throw new UsageError(
      `--compare-numpy needs python3 with numpy: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

function makeTask(
  data: ImageData,
  options: InnerStepOptions,
  horizon: number,
  formulation: Formulation = 'auto',
) {
  return imageClassificationTask({
    name: 'bench',
    data,
    architecture: parseArchitecture(options.arch),
    activation: 'relu',
    batchSize: options.batch,
    horizon,
    rule: constantLearningRateRule(momentumTensor(0.9), 0.01),
    objective: 'train-loss',
    formulation,
  });
}

/** The two formulations timed side by side, each step of one followed by a step of the other. */
const FORMULATIONS = ['per-particle', 'batched'] as const;

/**
 * `pes bench inner-step`: median milliseconds of one inner step of every particle's network
 * (forward, backward, update) in both formulations (a loop of per-particle networks, and one
 * batched network), GFLOP/s of the one this backend runs by default, and the same step in numpy
 * side by side; then PES's memory at two horizons.
 */
export async function benchInnerStep(options: InnerStepOptions, io: Io): Promise<number> {
  if (!options.particles.every((p) => Number.isInteger(p) && p > 0)) {
    throw new UsageError(
      `--particles must be positive integers separated by commas, got ${options.particles.join(',')}`,
    );
  }
  if (!Number.isInteger(options.repeats) || options.repeats < 5) {
    throw new UsageError(`--repeats must be an integer ≥ 5, got ${options.repeats}`);
  }
  const sizes = parseArchitecture(options.arch);
  const backend = await selectBackend();
  const data = loadImageData({
    dataset: options.dataset,
    ...(options.dataDir ? { dir: options.dataDir } : {}),
  });
  const formulation = resolveFormulation('auto');
  const rows = [];
  for (const particles of options.particles) {
    const runs = FORMULATIONS.map((f) => {
      const task = makeTask(data, options, 1_000_000, f);
      return { task, state: task.init(makeKey(0), particles), times: [] as number[] };
    });
    const thetas = new Float64Array(particles).fill(log(0.01));
    const numpy: number[] = [];
    for (let r = 0; r < WARM_UP + options.repeats; r++) {
      for (const run of runs) {
        const started = performance.now();
        const next = run.task.unroll(run.state, thetas, 1, foldIn(makeKey(1), r));
        const elapsed = performance.now() - started;
        run.task.dispose!(run.state);
        run.state = next.state;
        if (r >= WARM_UP) run.times.push(elapsed);
      }
    }
    // numpy's steps run after this backend's, in one child: a child process started between two
    // steps made the next tfjs-node steps 4–5 times slower here (N = 8: 16.5 → 92 ms), which
    // interleaving would have charged to tfjs.
    if (options.compareNumpy) numpy.push(...numpyStep(particles, options.repeats, options));
    for (const run of runs) run.task.dispose!(run.state);
    const [perParticleMs, batchedMs] = runs.map((run) => median(run.times)) as [number, number];
    const ms = formulation === 'batched' ? batchedMs : perParticleMs;
    const flops = particles * flopsPerNetworkStep(sizes, options.batch);
    const numpyMs = options.compareNumpy ? median(numpy) : undefined;
    rows.push({
      particles,
      ms,
      gflops: flops / ms / 1e6,
      perParticleMs,
      batchedMs,
      ...(numpyMs !== undefined
        ? { numpyMs, numpyGflops: flops / numpyMs / 1e6, ratio: ms / numpyMs }
        : {}),
    });
  }
  const memory = options.memory ? await pesMemory(data, options) : undefined;
  if (options.json) {
    io.out(
      JSON.stringify({
        backend,
        formulation,
        dataset: options.dataset,
        arch: options.arch,
        batch: options.batch,
        repeats: options.repeats,
        rows,
        memory,
      }),
    );
    return 0;
  }
  io.out(
    `inner step (forward + backward + momentum update) of ${options.arch}, batch ${options.batch}, ${options.dataset}; backend ${backend}; median of ${options.repeats} after ${WARM_UP} warm-up`,
  );
  io.out(
    `per-particle networks vs one batched network for all particles; GFLOP/s of ${formulation}, the formulation runs get here`,
  );
  for (const row of rows) {
    const numpyPart =
      row.numpyMs !== undefined
        ? `   numpy ${row.numpyMs.toFixed(1)} ms (${row.numpyGflops!.toFixed(1)} GFLOP/s)   ×${row.ratio!.toFixed(2)} numpy's time`
        : '';
    io.out(
      `  N = ${String(row.particles).padStart(4)}: per-particle ${row.perParticleMs.toFixed(1)} ms   batched ${row.batchedMs.toFixed(1)} ms (×${(row.batchedMs / row.perParticleMs).toFixed(2)} the loop’s time)   ${row.gflops.toFixed(1)} GFLOP/s${numpyPart}`,
    );
  }
  if (memory) {
    io.out(
      `PES memory (K = ${memory.unrollLength}, N = ${memory.particles}, ${memory.iterations} estimates), state and peak tensor bytes by horizon:`,
    );
    for (const m of memory.byHorizon) {
      io.out(
        `  T = ${String(m.horizon).padStart(5)}: ${(m.stateBytes / 1e6).toFixed(2)} MB of state, peak tensors ${(m.peakTensorBytes / 1e6).toFixed(2)} MB, peak RSS ${(m.peakRss / 1e6).toFixed(0)} MB`,
      );
    }
  }
  return 0;
}

/**
 * PES keeps one state and one ξ per particle whatever the horizon: run the same estimates at
 * T = 100 and T = 5,000 and report the memory held.
 */
async function pesMemory(data: ImageData, options: InnerStepOptions) {
  const particles = 8;
  const unrollLength = 10;
  const iterations = 5;
  const byHorizon = [];
  for (const horizon of [100, 5000]) {
    const task = makeTask(data, options, horizon) as unknown as Task;
    const pes = persistentEs(task, { particles, sigma: 0.1, unrollLength });
    const theta = Float64Array.of(log(0.01));
    let state = pes.init(theta, makeKey(0));
    let peakTensorBytes = tf.memory().numBytes;
    let peakRss = process.memoryUsage().rss;
    for (let i = 0; i < iterations; i++) {
      const r = pes.estimate(theta, state, foldIn(makeKey(2), i));
      pes.dispose(state);
      state = r.state;
      peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const before = tf.memory().numBytes;
    pes.dispose(state);
    byHorizon.push({
      horizon,
      stateBytes: before - tf.memory().numBytes,
      peakTensorBytes,
      peakRss,
    });
  }
  return { particles, unrollLength, iterations, byHorizon };
}
