/**
 * A first look, not the held-out suite: an MLP on MNIST (the embedded 10,000 digits) trained by
 * tfjs's Adam at a few learning rates, by the shipped MLP learned optimizer and by the
 * normalised learned optimizer (its untrained θ unless --theta names a weights file) at a few
 * peak learning rates of a cosine schedule and two constant ones, all from the same weights on the same minibatches:
 *   npx tsx packages/learned-opt/bench/normalized-vs-adam.ts [--steps 300] [--width 128] [--depth 2]
 * Prints one line per optimizer: the mean training loss of the last tenth of the steps, and the
 * median wall time of a step (WebAssembly backend).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeKey, normal, randomIntegers } from '@pes/core';
import { loadImageData } from '@pes/inner-problems/node';
import {
  mlpFamilyLearnedOptimizer,
  normalizedLearnedOptimizer,
  thetaFromNormalizedWeights,
} from '../src/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '300' },
    width: { type: 'string', default: '128' },
    depth: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
    theta: { type: 'string' },
  },
});
const steps = Number(values.steps);
const width = Number(values.width);
const depth = Number(values.depth);
const batch = Number(values.batch);
const theta = values.theta
  ? thetaFromNormalizedWeights(JSON.parse(readFileSync(values.theta, 'utf8')), values.theta)
  : undefined;

await tf.setBackend('wasm');
await tf.ready();

const { train } = loadImageData({ dataset: 'mnist' });
const n = train.labels.length;
const features = train.features;
const [mean, std] = [train.normalization.mean[0]!, train.normalization.std[0]!];
const x = tf.tensor2d(
  Float32Array.from(train.pixels, (v) => (v / 255 - mean) / std),
  [n, features],
);
const y = tf.oneHot(tf.tensor1d(Int32Array.from(train.labels), 'int32'), 10);
const batches = Array.from({ length: steps }, (_, s) =>
  Int32Array.from(randomIntegers(makeKey(1000 + s), batch, n)),
);

function model(): tf.LayersModel {
  const layers: tf.layers.Layer[] = [];
  for (let d = 0; d < depth; d++)
    layers.push(
      tf.layers.dense({
        units: width,
        activation: 'relu',
        ...(d === 0 ? { inputShape: [features] } : {}),
      }),
    );
  layers.push(tf.layers.dense({ units: 10, activation: 'softmax' }));
  const m = tf.sequential({ layers });
  m.setWeights(
    m.getWeights().map((w, i) => {
      const fanIn = w.shape.length === 2 ? w.shape[0]! : 1;
      const scale = w.shape.length === 2 ? Math.sqrt(2 / fanIn) : 0;
      return tf.tensor(
        Float32Array.from(normal(makeKey(i), w.size), (v) => v * scale),
        w.shape,
      );
    }),
  );
  return m;
}

async function run(name: string, optimizer: tf.Optimizer) {
  const m = model();
  m.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const losses: number[] = [];
  const ms: number[] = [];
  for (const indices of batches) {
    const [bx, by] = tf.tidy(() => {
      const i = tf.tensor1d(indices, 'int32');
      return [tf.gather(x, i), tf.gather(y, i)];
    });
    const start = performance.now();
    losses.push((await m.trainOnBatch(bx!, by!)) as number);
    ms.push(performance.now() - start);
    tf.dispose([bx!, by!]);
  }
  const tail = losses.slice(-Math.max(1, Math.floor(steps / 10)));
  const final = tail.reduce((a, v) => a + v, 0) / tail.length;
  const median = [...ms.slice(5)].sort((a, b) => a - b)[Math.floor((ms.length - 5) / 2)]!;
  console.log(
    `${name.padEnd(44)} final loss ${final.toFixed(4).padStart(8)}  ${median.toFixed(2).padStart(7)} ms/step`,
  );
  optimizer.dispose();
  m.dispose();
}

console.log(
  `MNIST 784-${Array(depth).fill(width).join('-')}-10, batch ${batch}, ${steps} steps (final: mean of the last tenth)`,
);
for (const lr of [3e-4, 1e-3, 3e-3]) await run(`adam ${lr}`, tf.train.adam(lr));
await run('MLP learned optimizer (shipped)', mlpFamilyLearnedOptimizer({ blowUpFactor: null }));
for (const peak of [3e-4, 1e-3, 3e-3, 1e-2])
  await run(
    `normalised ${theta ? '(trained)' : '(untrained)'}, cosine from ${peak}`,
    normalizedLearnedOptimizer({
      ...(theta ? { theta } : {}),
      learningRate: { kind: 'cosine', peak, totalSteps: steps },
      blowUpFactor: null,
    }),
  );
// At a constant rate too: Adam above has none of the cosine's decay.
for (const lr of [3e-4, 1e-3])
  await run(
    `normalised ${theta ? '(trained)' : '(untrained)'}, constant ${lr}`,
    normalizedLearnedOptimizer({
      ...(theta ? { theta } : {}),
      learningRate: lr,
      blowUpFactor: null,
    }),
  );
tf.dispose([x, y]);
