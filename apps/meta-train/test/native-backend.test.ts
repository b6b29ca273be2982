import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { initialMlpLoptTheta, LearnedTfOptimizer } from '@pes/learned-opt';
import { describe, expect, it } from 'vitest';
import { appRoot, pes, temporaryDirectory } from './helpers.js';
import { run, TINY } from './tiny-runs.js';
import { resolveConfig } from '@pes/runner/node';

/**
 * The suite's tensorflow part: TensorFlow's own kernels through tfjs-node, which
 * `npm run setup:native` builds (.ci/run does). This file's worker, and every worker thread and
 * process its runs start, compute on tfjs-node; the rest of the suite stays on WebAssembly.
 * Skipped, and saying so, where tfjs-node is not installed.
 */
const installed = (() => {
  try {
    createRequire(join(appRoot, 'package.json')).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();
if (!installed)
  console.warn(
    '@tensorflow/tfjs-node is not installed (npm run setup:native): its tests are skipped',
  );
else process.env.PES_BACKEND = 'tensorflow';

/** CIFAR-10's binary batches, where ../shared/data has them (the tasks that read it need them). */
const CIFAR = join(appRoot, '../../../shared/data/cifar-10-batches-bin');
const CIFAR_TINY = {
  arch: '3072-8-10',
  batchSize: 8,
  horizon: 10,
  unrollLength: 5,
  dataDir: CIFAR,
};
if (!existsSync(CIFAR)) console.warn(`${CIFAR} is absent: the CIFAR-10 tasks are left out here`);

/** Every task that computes with tensors, at the scale of the workers tests. */
const TENSOR_TASKS = [
  'mnist-mlp',
  'mnist-lr-schedule',
  'lopt-mnist',
  'lopt-family',
  ...(existsSync(CIFAR) ? ['cifar10-mlp', 'lopt-cifar10'] : []),
];

/**
 * How far θ on tfjs-node may be from θ on WebAssembly after the tiny runs below: the two sum
 * float32 products in other orders (TensorFlow's oneDNN GEMM against XNNPACK), about 1e-7
 * relative per op, and a few PES iterations carry that into θ's float64 through the meta-losses.
 * Measured: at most 2e-6 here; the bound leaves room for another CPU's kernels.
 */
const NATIVE_WASM_TOLERANCE = 1e-4;

const tiny = (task: string, estimator: string) =>
  resolveConfig({
    task,
    estimator,
    particles: 6,
    iterations: 3,
    evalEvery: 0,
    seed: 5,
    ...(TINY[task] ?? CIFAR_TINY),
  });

describe.skipIf(!installed)('TensorFlow’s kernels (tfjs-node)', () => {
  it.each(TENSOR_TASKS)(
    '%s: PES and TES end at the same θ, bit for bit, on 1 and 2 threads and 2 processes',
    async (task) => {
      const { selectBackend } = await import('@pes/runner/node');
      expect(await selectBackend()).toBe('tensorflow');
      for (const estimator of ['pes', 'tes']) {
        const config = tiny(task, estimator);
        const one = await run(config, 1);
        const threads = await run(config, 2, 'threads');
        const processes = await run(config, 2, 'processes');
        expect(threads?.sharded).toBe(2);
        expect(processes?.sharded).toBe(2);
        expect(threads?.theta, `${task} ${estimator}, threads`).toBe(one?.theta);
        expect(processes?.theta, `${task} ${estimator}, processes`).toBe(one?.theta);
        expect(processes?.metaLosses).toEqual(one?.metaLosses);
      }
    },
    300_000,
  );

  it('every estimator the MLP task serves runs on it: finite meta-losses, θ moves', async () => {
    for (const estimator of ['pes', 'tes', 'es', 'nres', 'pes-a', 'tbptt']) {
      const config = tiny('mnist-mlp', estimator);
      const result = await run(config, 1);
      if (!result) continue; // an estimator the task cannot serve (no differentiable unroll)
      // The history's first entry is the start's evaluation, before any estimate (null).
      expect(result.metaLosses.slice(1).every(Number.isFinite), estimator).toBe(true);
      const start = await run({ ...config, iterations: 0 }, 1);
      expect(result.theta, estimator).not.toBe(start?.theta);
    }
  }, 300_000);

  it('a run resumed on tfjs-node ends at the θ of the run that never stopped', async () => {
    const dir = temporaryDirectory();
    const common = ['--task', 'mnist-lr-schedule', '--particles', '4', '--arch', '784-8-10'];
    common.push('--batch', '8', '--horizon', '20', '--eval-every', '0', '--workers', '1');
    const straight = await pes(
      'meta-train',
      ...common,
      '--iterations',
      '6',
      '--out',
      join(dir, 'a'),
    );
    expect(straight.status, straight.err.join('\n')).toBe(0);
    expect(straight.out).toContain('pes: tfjs backend tensorflow');
    const first = await pes('meta-train', ...common, '--iterations', '3', '--out', join(dir, 'b'));
    expect(first.status).toBe(0);
    const resumed = await pes('meta-train', '--resume', join(dir, 'b'), '--iterations', '6');
    expect(resumed.status, resumed.err.join('\n')).toBe(0);
    const theta = (name: string) =>
      (
        JSON.parse(spawnSync('cat', [join(dir, name, 'result.json')]).stdout.toString()) as {
          theta: number[];
        }
      ).theta;
    expect(theta('b')).toEqual(theta('a'));
    // config.json records the backend that `auto` chose: a resume cannot drift to another.
    const config = JSON.parse(spawnSync('cat', [join(dir, 'a', 'config.json')]).stdout.toString());
    expect(config.backend).toBe('tensorflow');
  }, 300_000);

  it(`θ agrees with WebAssembly's to ${NATIVE_WASM_TOLERANCE} (float32 sums in other orders)`, () => {
    const dir = temporaryDirectory();
    const thetaOn = (backend: string) => {
      const r = spawnSync(
        process.execPath,
        [
          join(appRoot, 'bin/pes.js'),
          ...['meta-train', '--task', 'mnist-lr-schedule', '--particles', '4'],
          ...['--arch', '784-16-10', '--batch', '16', '--horizon', '40', '--iterations', '5'],
          ...['--eval-every', '0', '--workers', '1', '--backend', backend],
          ...['--out', join(dir, backend)],
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      return (
        JSON.parse(spawnSync('cat', [join(dir, backend, 'result.json')]).stdout.toString()) as {
          theta: number[];
        }
      ).theta;
    };
    const native = thetaOn('tensorflow');
    const wasm = thetaOn('wasm');
    const worst = Math.max(
      ...native.map((v, i) => Math.abs(v - wasm[i]!) / Math.max(1, Math.abs(v))),
    );
    console.log(`tensorflow against wasm: max relative |Δθ| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(NATIVE_WASM_TOLERANCE);
  }, 300_000);

  it('a learned optimizer saved with its model after 10 steps and loaded continues as if never saved', async () => {
    const { selectBackend } = await import('@pes/runner/node');
    expect(await selectBackend()).toBe('tensorflow');
    const theta = initialMlpLoptTheta(makeKey(3));
    const x = tf.tensor2d(Float32Array.from(normal(makeKey(10), 16 * 6)), [16, 6]);
    const y = tf.tensor2d(Float32Array.from(normal(makeKey(11), 16)), [16, 1]);
    const fresh = () => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }),
          tf.layers.dense({ units: 1 }),
        ],
      });
      model.setWeights(
        model.getWeights().map((w, i) =>
          tf.tensor(
            Float32Array.from(normal(makeKey(100 + i), w.size), (v) => 0.5 * v),
            w.shape,
          ),
        ),
      );
      model.compile({ optimizer: new LearnedTfOptimizer(theta), loss: 'meanSquaredError' });
      return model;
    };
    const train = async (model: tf.LayersModel, steps: number) => {
      const losses: number[] = [];
      for (let s = 0; s < steps; s++) losses.push((await model.trainOnBatch(x, y)) as number);
      return losses;
    };
    const straight = fresh();
    const straightLosses = await train(straight, 20);
    const first = fresh();
    const firstLosses = await train(first, 10);
    let saved: tf.io.ModelArtifacts | undefined;
    await first.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer: true },
    );
    const before = tf.memory().numTensors;
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.optimizer).toBeInstanceOf(LearnedTfOptimizer);
    expect([...firstLosses, ...(await train(loaded, 10))]).toEqual(straightLosses);
    for (const model of [straight, first, loaded]) {
      model.optimizer.dispose();
      model.dispose();
    }
    expect(tf.memory().numTensors).toBeLessThan(before);
    tf.dispose([x, y]);
  }, 120_000);
});
