import * as tf from '@tensorflow/tfjs';
import { makeKey, median, split, type Key } from '@pes/core';
import {
  adamTensor,
  applyTensorUpdates,
  fillBatch,
  initialParameters,
  lossAndGradients,
  parseArchitecture,
  sampleBatch,
  toBatch,
  type Batch,
  type TensorOptimizer,
} from '@pes/inner-problems';
import { loadImageData, type DatasetName } from '@pes/inner-problems/node';
import {
  initialMlpLoptTheta,
  mlpLearnedOptimizer,
  mlpLearnedOptimizerReference,
  normalizedLearnedOptimizer,
  normalizedLopt,
  untrainedNormalizedTheta,
} from '@pes/learned-opt';
import { UsageError } from '../errors.js';
import { selectBackend, type Io } from '@pes/runner/node';

const WARM_UP = 2;

/** How many kernels `run` dispatches (tf.profile), its tensors disposed. */
async function kernelsOf(run: () => tf.TensorContainer): Promise<number> {
  const info = await tf.profile(() => tf.tidy(run));
  tf.dispose(info.result);
  return info.kernels.length;
}

export interface LoptUpdateOptions {
  dataset: DatasetName;
  dataDir?: string;
  arch: string;
  batch: number;
  particles: number;
  repeats: number;
  json: boolean;
}

function realBatch(options: LoptUpdateOptions, key: Key): Batch {
  const data = loadImageData({
    dataset: options.dataset,
    ...(options.dataDir ? { dir: options.dataDir } : {}),
  });
  const features = data.train.features;
  const x = new Float32Array(options.batch * features);
  const labels = new Int32Array(options.batch);
  fillBatch(data.train, sampleBatch(key, data.train, options.batch), x, labels);
  return toBatch(x, labels, features, data.train.classNames.length);
}

/**
 * `pes bench lopt-update`: for every particle's network of the learned-optimizer task, the
 * median cost of the inner forward + backward pass next to one update by the MLP learned
 * optimizer (the formulation the tasks use and the direct transcription of docs/paper.md d), by
 * the normalised learned optimizer (as a rule over tensors and as the tf.Optimizer users call),
 * and by Adam for scale — interleaved in each repeat, so all columns see the same machine load.
 */
export async function benchLoptUpdate(options: LoptUpdateOptions, io: Io): Promise<number> {
  if (!Number.isInteger(options.particles) || options.particles < 1) {
    throw new UsageError(`--particles must be one positive integer, got ${options.particles}`);
  }
  if (!Number.isInteger(options.repeats) || options.repeats < 5) {
    throw new UsageError(`--repeats must be an integer ≥ 5, got ${options.repeats}`);
  }
  const sizes = parseArchitecture(options.arch);
  const backend = await selectBackend();
  const [batchKey, networkKey, thetaKey] = split(makeKey(0), 3) as [Key, Key, Key];
  const batch = realBatch(options, batchKey);
  if (batch.x.shape[1] !== sizes[0]) {
    tf.dispose([batch.x, batch.xT, batch.y]);
    throw new UsageError(
      `--arch starts with ${sizes[0]} inputs but ${options.dataset} has ${batch.x.shape[1]} features`,
    );
  }
  const theta = initialMlpLoptTheta(thetaKey);
  const rules: Record<string, TensorOptimizer> = {
    'learned optimizer': mlpLearnedOptimizer.optimizer(theta),
    'learned optimizer, reference formulation': mlpLearnedOptimizerReference.optimizer(theta),
    // Its cost does not depend on θ: the untrained one stands for the shipped one.
    'normalised learned optimizer': normalizedLopt({ learningRate: 1e-3 }).optimizer(
      untrainedNormalizedTheta(),
    ),
    Adam: adamTensor().withLearningRate(1e-3),
  };
  const networks = Array.from({ length: options.particles }, (_, p) =>
    initialParameters(split(networkKey, options.particles)[p]!, sizes, 'relu'),
  );
  const grads = networks.map((params) =>
    tf.tidy(() => lossAndGradients(params, batch, 'relu').grads),
  );
  const states = Object.fromEntries(
    Object.entries(rules).map(([name, rule]) => [name, networks.map((p) => rule.init(p))]),
  );
  // The same normalised update as users call it: a tf.Optimizer over a network's variables.
  const TF_OPTIMIZER = 'normalised learned optimizer, as tf.Optimizer';
  const tfOptimizers = networks.map(() =>
    normalizedLearnedOptimizer({ learningRate: 1e-3, blowUpFactor: null }),
  );
  const variables = networks.map((params, p) =>
    params.map((t, i) => tf.variable(t, true, `bench-lopt-update/${p}/${i}`)),
  );
  const applyTf = (p: number) =>
    tfOptimizers[p]!.applyGradients(
      variables[p]!.map((v, i) => ({ name: v.name, tensor: grads[p]![i]! })),
    );
  const times: Record<string, number[]> = { 'forward + backward': [] };
  for (const name of [...Object.keys(rules), TF_OPTIMIZER]) times[name] = [];
  for (let r = 0; r < WARM_UP + options.repeats; r++) {
    const record = (name: string, started: number) => {
      if (r >= WARM_UP) times[name]!.push(performance.now() - started);
    };
    let started = performance.now();
    for (const params of networks) {
      const out = tf.tidy(() => lossAndGradients(params, batch, 'relu'));
      // Read the loss back so the time includes finishing the work on an asynchronous backend.
      out.loss.dataSync();
      tf.dispose([out.loss, ...out.grads]);
    }
    record('forward + backward', started);
    for (const [name, rule] of Object.entries(rules)) {
      started = performance.now();
      networks.forEach((params, p) => {
        const next = tf.tidy(() => {
          const update = rule.update(grads[p]!, states[name]![p]!, params, r);
          return { params: applyTensorUpdates(params, update.updates), state: update.state };
        });
        next.params[0]!.dataSync();
        tf.dispose([...next.params, ...next.state]);
      });
      record(name, started);
    }
    started = performance.now();
    networks.forEach((_, p) => {
      applyTf(p);
      variables[p]![0]!.dataSync();
    });
    record(TF_OPTIMIZER, started);
  }
  // The kernels one particle's pass or update dispatches: on tfjs-node each costs a fixed
  // dispatch whatever its size, which is what a small model's update time is made of.
  const kernels: Record<string, number> = {
    'forward + backward': await kernelsOf(() => lossAndGradients(networks[0]!, batch, 'relu')),
  };
  for (const [name, rule] of Object.entries(rules))
    kernels[name] = await kernelsOf(() =>
      rule.update(grads[0]!, states[name]![0]!, networks[0]!, 1),
    );
  kernels[TF_OPTIMIZER] = (await tf.profile(() => applyTf(0))).kernels.length;
  tfOptimizers.forEach((o) => o.dispose());
  tf.dispose([
    batch.x,
    batch.xT,
    batch.y,
    ...networks.flat(),
    ...grads.flat(),
    ...variables.flat(),
  ]);
  tf.dispose(Object.values(states).flat(2));
  const parameters = sizes.slice(1).reduce((a, n, l) => a + n * (sizes[l]! + 1), 0);
  const rows = Object.entries(times).map(([name, ms]) => ({
    name,
    ms: median(ms),
    kernels: kernels[name]!,
  }));
  const innerMs = rows[0]!.ms;
  if (options.json) {
    io.out(
      JSON.stringify({
        backend,
        dataset: options.dataset,
        arch: options.arch,
        batch: options.batch,
        particles: options.particles,
        parameters,
        repeats: options.repeats,
        rows: rows.map((row) => ({
          ...row,
          perParticleMs: row.ms / options.particles,
          ratioToInner: row.ms / innerMs,
        })),
      }),
    );
    return 0;
  }
  io.out(
    `one inner step of ${options.particles} particles' ${options.arch} networks (${parameters} parameters each), batch ${options.batch}, ${options.dataset}; backend ${backend}; median of ${options.repeats} after ${WARM_UP} warm-up`,
  );
  for (const row of rows) {
    io.out(
      `  ${row.name.padEnd(48)}${row.ms.toFixed(1).padStart(8)} ms   ${(row.ms / options.particles).toFixed(2).padStart(7)} ms/particle   ×${(row.ms / innerMs).toFixed(2)} forward + backward   ${String(row.kernels).padStart(4)} kernels/particle`,
    );
  }
  return 0;
}
