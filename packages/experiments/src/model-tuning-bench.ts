import * as tf from '@tensorflow/tfjs';
import { makeKey, median, normal, uniform } from '@pes/core';
import { modelTuningTask, resolveSearchSpace, type TuningData } from '@pes/hpo';
import { parseArchitecture } from '@pes/inner-problems';
import { comparisonConvNet } from './tune-comparison-problems.js';
import { selectBackend, UsageError, type Io } from '@pes/runner/node';

export interface ModelTuningBenchOptions {
  arch: string;
  batch: number;
  particles: number[];
  repeats: number;
  json: boolean;
}

const STEPS = 10;

/** A Dense stack of `sizes` (relu, softmax last), as a user's model.json would hold it. */
function denseModel(sizes: number[]): tf.LayersModel {
  return tf.sequential({
    layers: sizes.slice(1).map((units, i) =>
      tf.layers.dense({
        units,
        activation: i === sizes.length - 2 ? 'softmax' : 'relu',
        ...(i === 0 ? { inputShape: [sizes[0]!] } : {}),
      }),
    ),
  });
}

/**
 * `pes bench model-tuning`: one unroll of `pes tune`'s task (10 inner steps of every particle,
 * momentum SGD with a scheduled learning rate, the val-loss objective) in its two formulations,
 * the per-particle loop and the batched pass, interleaved in each repeat; medians per inner step
 * of one particle and the ratio.
 */
export async function benchModelTuning(options: ModelTuningBenchOptions, io: Io): Promise<number> {
  if (!Number.isInteger(options.repeats) || options.repeats < 3)
    throw new UsageError(`--repeats must be an integer ≥ 3, got ${options.repeats}`);
  if (options.particles.some((n) => !Number.isInteger(n) || n < 2 || n % 2 !== 0))
    throw new UsageError('--particles: even counts ≥ 2, comma-separated');
  const conv = options.arch === 'conv';
  const sizes = conv ? [784, 10] : parseArchitecture(options.arch);
  const input = conv ? [28, 28, 1] : [sizes[0]!];
  const backend = await selectBackend();
  const rows = 512;
  const classes = sizes.at(-1)!;
  const labels = (n: number, seed: number) =>
    tf
      .oneHot(
        tf.tensor1d(
          Array.from(uniform(makeKey(seed), n), (u) => Math.floor(u * classes)),
          'int32',
        ),
        classes,
      )
      .toFloat();
  const data: TuningData = {
    x: tf.tensor(Float32Array.from(normal(makeKey(1), rows * sizes[0]!)), [rows, ...input]),
    y: labels(rows, 2),
    validationX: tf.tensor(Float32Array.from(normal(makeKey(3), rows * sizes[0]!)), [
      rows,
      ...input,
    ]),
    validationY: labels(rows, 4),
  };
  const space = resolveSearchSpace(
    {
      learningRate: { schedule: 'piecewise-log-linear', initial: 0.01 },
      momentum: { range: [0, 0.99] },
    },
    1000,
  );
  const results = [];
  for (const particles of options.particles) {
    const ms: Record<'per-particle' | 'batched', number[]> = { 'per-particle': [], batched: [] };
    const models = conv
      ? [comparisonConvNet(), comparisonConvNet()]
      : [denseModel([...sizes]), denseModel([...sizes])];
    const tasks = (['per-particle', 'batched'] as const).map((formulation, i) => {
      const task = modelTuningTask({
        model: models[i]!,
        loss: 'categoricalCrossentropy',
        data,
        space,
        objective: 'val-loss',
        batchSize: options.batch,
        formulation,
      });
      return { formulation, task, state: task.init(makeKey(5), particles) };
    });
    const thetas = new Float64Array(particles * space.dim);
    for (let p = 0; p < particles; p++) thetas.set(space.initialTheta(), p * space.dim);
    // One untimed unroll each first (kernels compiled, memory allocated), then the repeats.
    for (let r = -1; r < options.repeats; r++) {
      for (const entry of tasks) {
        const start = performance.now();
        const next = entry.task.unroll(entry.state, thetas, STEPS, makeKey(100 + r));
        const elapsed = performance.now() - start;
        entry.task.dispose!(entry.state);
        entry.state = next.state;
        if (r >= 0) ms[entry.formulation].push(elapsed / (STEPS * particles));
      }
    }
    for (const entry of tasks) {
      entry.task.dispose!(entry.state);
      entry.task.close!();
    }
    const loop = median(ms['per-particle']);
    const batched = median(ms.batched);
    results.push({ particles, perParticleMs: loop, batchedMs: batched, speedUp: loop / batched });
  }
  tf.dispose(Object.values(data));
  if (options.json) {
    io.out(JSON.stringify({ backend, arch: options.arch, batch: options.batch, results }));
    return 0;
  }
  io.out(
    `model-tuning unroll (${options.arch}, batch ${options.batch}, ${STEPS} steps), tfjs backend ${backend}, median of ${options.repeats}; ms per inner step of one particle:`,
  );
  io.out('  particles  per-particle  batched  speed-up');
  for (const r of results)
    io.out(
      `  ${String(r.particles).padStart(9)}  ${r.perParticleMs.toFixed(3).padStart(12)}  ${r.batchedMs.toFixed(3).padStart(7)}  ${r.speedUp.toFixed(2).padStart(7)}×`,
    );
  return 0;
}
