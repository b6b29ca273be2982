import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  adam,
  createMetaTrainer,
  decodeState,
  encodeState,
  makeKey,
  normal,
  persistentEs,
  split,
  uniform,
  type Key,
} from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  modelTuningTask,
  resolveSearchSpace,
  tuneHyperparameters,
  TunedOptimizer,
  type SearchSpace,
  type TuneOptions,
  type TuneResult,
  type TuningData,
} from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

const FEATURES = 8;
const CLASSES = 3;

/** Three Gaussian classes in 8 dimensions, drawn from a @pes key: separable, not trivially. */
function blobs(key: Key, count: number, centres: Float64Array): { x: tf.Tensor; y: tf.Tensor } {
  const [labelKey, noiseKey] = split(key, 2) as [Key, Key];
  const u = uniform(labelKey, count);
  const noise = normal(noiseKey, count * FEATURES);
  const x = new Float32Array(count * FEATURES);
  const y = new Float32Array(count * CLASSES);
  for (let i = 0; i < count; i++) {
    const c = Math.min(Math.floor(u[i]! * CLASSES), CLASSES - 1);
    y[i * CLASSES + c] = 1;
    for (let j = 0; j < FEATURES; j++)
      x[i * FEATURES + j] = centres[c * FEATURES + j]! + noise[i * FEATURES + j]!;
  }
  return { x: tf.tensor2d(x, [count, FEATURES]), y: tf.tensor2d(y, [count, CLASSES]) };
}

function dataset(): TuningData {
  const [centreKey, trainKey, validationKey] = split(makeKey(7), 3) as [Key, Key, Key];
  const centres = normal(centreKey, CLASSES * FEATURES);
  const train = blobs(trainKey, 240, centres);
  const validation = blobs(validationKey, 120, centres);
  return { x: train.x, y: train.y, validationX: validation.x, validationY: validation.y };
}

const buildModel = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, activation: 'relu', inputShape: [FEATURES] }),
      tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });

/** A learning rate far too small to train the model in 30 steps. */
const POOR_START: SearchSpace = {
  learningRate: { range: [1e-5, 1], log: true, initial: 1e-4 },
  momentum: { range: [0, 0.95], initial: 0.5 },
};

function options(data: TuningData, overrides: Partial<TuneOptions> = {}): TuneOptions {
  return {
    model: buildModel,
    loss: 'categoricalCrossentropy',
    data,
    hyperparameters: POOR_START,
    objective: 'val-loss',
    horizon: 30,
    batchSize: 32,
    particles: 4,
    unroll: 10,
    iterations: 25,
    seed: 0,
    ...overrides,
  };
}

/** The end-to-end tune, run once and read by the tests of its result. */
let poorStart: Promise<{ result: TuneResult; progress: number[] }> | undefined;
function tunedFromPoorStart() {
  poorStart ??= (async () => {
    const data = dataset();
    const progress: number[] = [];
    const result = await tuneHyperparameters(
      options(data, { onProgress: (p) => progress.push(p.metaLoss) }),
    );
    tf.dispose(Object.values(data));
    return { result, progress };
  })();
  return poorStart;
}

describe('tuneHyperparameters', () => {
  it('raises a poor initial learning rate and improves the validation objective', async () => {
    const { result, progress } = await tunedFromPoorStart();
    const lr = result.hyperparameters.learningRate as number;
    expect(progress).toHaveLength(25);
    expect(lr).toBeGreaterThan(1e-3);
    expect(result.final.valLoss!).toBeLessThan(result.initial.valLoss! - 0.1);
    expect(result.final.valAccuracy!).toBeGreaterThan(result.initial.valAccuracy! + 0.1);
  });
});

describe('with Adam as the inner optimizer', () => {
  it('tunes the learning rate and β₁ from a poor start', async () => {
    const data = dataset();
    const result = await tuneHyperparameters(
      options(data, {
        optimizer: 'adam',
        hyperparameters: {
          learningRate: { range: [1e-5, 1], log: true, initial: 1e-4 },
          adamBeta1: { range: [0.5, 0.99], initial: 0.9 },
        },
      }),
    );
    tf.dispose(Object.values(data));
    expect(result.theta).toHaveLength(2);
    expect(result.hyperparameters.learningRate as number).toBeGreaterThan(1e-3);
    expect(result.final.valLoss!).toBeLessThan(result.initial.valLoss! - 0.1);
  });
});

describe('per-layer learning rates', () => {
  it('tunes one factor per layer, and the optimizer applies them to the model it is given', async () => {
    const data = dataset();
    const result = await tuneHyperparameters(
      options(data, {
        hyperparameters: {
          learningRate: { range: [1e-5, 1], log: true, initial: 1e-3 },
          layerLearningRate: { range: [0.01, 100], log: true, initial: 0.1 },
        },
        iterations: 8,
      }),
    );
    expect(result.theta).toHaveLength(3);
    const factors = result.hyperparameters.layerLearningRate as Record<string, number>;
    expect(Object.keys(factors)).toHaveLength(2);
    // A model with three weighted layers is not the one the factors were tuned for.
    const wider = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [FEATURES] }),
        tf.layers.dense({ units: 4 }),
        tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ],
    });
    expect(() => result.optimizer()).toThrow(/^optimizer\(model\): per-layer learning rates need/);
    expect(() => result.optimizer(wider)).toThrow(/the model has 3 layers with weights/);
    wider.dispose();
    // One step of the tuned optimizer moves each layer by its own rate: its factor × the shared one.
    const model = buildModel();
    const optimizer = result.optimizer(model) as TunedOptimizer;
    const lr = result.hyperparameters.learningRate as number;
    const kernels = [model.layers[0]!, model.layers[1]!].map((l) => l.getWeights()[0]!.clone());
    const grads = Object.fromEntries(
      model.trainableWeights.map((w) => [(w.read() as tf.Variable).name, tf.onesLike(w.read())]),
    );
    optimizer.applyGradients(grads);
    const moved = [0, 1].map((l) =>
      tf.tidy(() => tf.sub(kernels[l]!, model.layers[l]!.getWeights()[0]!).mean().dataSync()[0]!),
    );
    const names = Object.keys(factors);
    // The factors differ, so a layer given the other's factor would show.
    expect(Math.abs(factors[names[0]!]! / factors[names[1]!]! - 1)).toBeGreaterThan(0.01);
    for (const l of [0, 1]) expect(moved[l]! / (lr * factors[names[l]!]!)).toBeCloseTo(1, 3);
    tf.dispose([...kernels, ...Object.values(grads)]);
    optimizer.dispose();
    model.dispose();
    tf.dispose(Object.values(data));
  });
});

describe('the same seed', () => {
  it('gives the same θ bit for bit, with a scheduled learning rate too', async () => {
    const data = dataset();
    const space: SearchSpace = {
      learningRate: { schedule: 'piecewise-log-linear', initial: 1e-3, knots: 3 },
      weightDecay: { range: [1e-6, 1e-2], log: true },
    };
    const run = () =>
      tuneHyperparameters(options(data, { hyperparameters: space, iterations: 4, seed: 3 }));
    const a = await run();
    const b = await run();
    const c = await tuneHyperparameters(
      options(data, { hyperparameters: space, iterations: 4, seed: 4 }),
    );
    tf.dispose(Object.values(data));
    expect(a.theta).toHaveLength(4);
    expect(Array.from(a.theta)).toEqual(Array.from(b.theta));
    expect(Array.from(a.theta)).not.toEqual(Array.from(c.theta));
    const schedule = a.hyperparameters.learningRate as { schedule: string; values: unknown[] };
    expect(schedule.schedule).toBe('piecewise');
    expect(schedule.values).toHaveLength(5);
  });
});

describe('tensor discipline', () => {
  it('leaves no tensor behind after a tune call', async () => {
    const data = dataset();
    const before = tf.memory().numTensors;
    await tuneHyperparameters(options(data, { iterations: 3 }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(data));
  });

  it.each(['momentum', 'adam'] as const)(
    'holds the same tensors across many unrolls with episodes ending inside them (%s)',
    (optimizer) => {
      const data = dataset();
      const space = resolveSearchSpace({ learningRate: {} }, 7, optimizer);
      const task = modelTuningTask({
        model: buildModel(),
        loss: 'categoricalCrossentropy',
        data,
        space,
        objective: 'val-accuracy',
        batchSize: 16,
      });
      const thetas = new Float64Array(4 * space.dim);
      for (let p = 0; p < 4; p++) thetas.set(space.initialTheta(), p * space.dim);
      let state = task.init(makeKey(1), 4, { stepOffsets: Int32Array.of(0, 2, 4, 6) });
      const held = tf.memory().numTensors;
      let ended = 0;
      for (let i = 0; i < 12; i++) {
        const r = task.unroll(state, thetas, 5, makeKey(100 + i));
        task.dispose!(state);
        state = r.state;
        ended += r.done.reduce((a, b) => a + b, 0);
        for (const loss of r.losses) expect(loss).toBeLessThanOrEqual(0); // −accuracy
      }
      expect(ended).toBeGreaterThan(20);
      expect(tf.memory().numTensors).toBe(held);
      task.dispose!(state);
      task.close!();
      tf.dispose(Object.values(data));
    },
  );
});

describe('the task', () => {
  it('staggers episodes, and restores a snapshot that continues the same way', () => {
    const data = dataset();
    const space = resolveSearchSpace(POOR_START, 6);
    const task = modelTuningTask({
      model: buildModel(),
      loss: 'categoricalCrossentropy',
      data,
      space,
      objective: 'train-loss',
      batchSize: 16,
    });
    const thetas = new Float64Array(2 * space.dim);
    const state = task.init(makeKey(2), 2, { stepOffsets: Int32Array.of(0, 3) });
    const first = task.unroll(state, thetas, 6, makeKey(5));
    // Particle 0 ends its episode at step 5, particle 1 three steps earlier.
    expect(Array.from(first.done)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]);
    const restored = task.restore!(task.snapshot!(first.state));
    const a = task.unroll(first.state, thetas, 4, makeKey(6));
    const b = task.unroll(restored, thetas, 4, makeKey(6));
    expect(Array.from(b.losses)).toEqual(Array.from(a.losses));
    for (const s of [state, first.state, restored, a.state, b.state]) task.dispose!(s);
    task.close!();
    tf.dispose(Object.values(data));
  });
});

describe('checkpoints', () => {
  it('a run resumed from a JSON checkpoint of the meta-trainer reaches the same θ bit for bit', () => {
    const data = dataset();
    const run = (stopAt: number | undefined) => {
      const space = resolveSearchSpace(POOR_START, 12);
      const task = modelTuningTask({
        model: buildModel(),
        loss: 'categoricalCrossentropy',
        data,
        space,
        objective: 'val-loss',
        batchSize: 16,
      });
      const trainer = createMetaTrainer({
        task,
        estimator: persistentEs(task, { particles: 4, sigma: 0.3, unrollLength: 5 }),
        optimizer: adam(0.1),
        settings: { iterations: 6, evalEvery: 0, seed: 11 },
      });
      let state = trainer.init();
      while (!trainer.isFinished(state)) {
        if (state.iteration === stopAt) {
          // Through JSON, as a checkpoint file goes: the particles' tensors become numbers.
          const saved = JSON.stringify(encodeState(trainer.snapshot(state)));
          trainer.dispose(state);
          state = trainer.restore(decodeState(JSON.parse(saved)));
        }
        state = trainer.step(state).state;
      }
      const theta = Array.from(state.theta);
      trainer.dispose(state);
      task.close!();
      return theta;
    };
    const straight = run(undefined);
    expect(straight).not.toEqual(Array.from(resolveSearchSpace(POOR_START, 12).initialTheta()));
    expect(run(3)).toEqual(straight);
    tf.dispose(Object.values(data));
  });
});

describe('bad inputs', () => {
  const oneLine = (f: () => unknown, message: RegExp) => {
    let error: Error | undefined;
    try {
      f();
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  };

  it('get one error line naming the hyperparameter', () => {
    oneLine(
      () => resolveSearchSpace({ learningRat: { range: [0.1, 1] } }, 10),
      /^hyperparameters\.learningRat: unknown hyperparameter; known: learningRate, momentum, weightDecay, adamBeta1, layerLearningRate$/,
    );
    oneLine(
      () => resolveSearchSpace({ momentum: { range: [0.9, 0.1] } }, 10),
      /^hyperparameters\.momentum: range \[0\.9, 0\.1\] has min > max$/,
    );
    oneLine(
      () => resolveSearchSpace({ learningRate: { range: [1e-3, 1e-1], initial: 0.5 } }, 10),
      /^hyperparameters\.learningRate: initial 0\.5 is outside the range/,
    );
    oneLine(
      () => resolveSearchSpace({ learningRate: { schedule: 'cosine' } }, 10),
      /^hyperparameters\.learningRate: unknown schedule 'cosine'; known: inverse-time-decay/,
    );
    oneLine(
      () => resolveSearchSpace({ momentum: { schedule: 'linear' } }, 10),
      /^hyperparameters\.momentum: takes a constant/,
    );
    oneLine(
      () => resolveSearchSpace({ weightDecay: { range: [0, 1e-2], log: true } }, 10),
      /^hyperparameters\.weightDecay: a log range needs min > 0/,
    );
    oneLine(
      () => resolveSearchSpace({ adamBeta1: { range: [0.5, 0.9] } }, 10),
      /^hyperparameters\.adamBeta1: not a hyperparameter of the momentum optimizer \(adam only\)$/,
    );
    oneLine(
      () => resolveSearchSpace({ momentum: {} }, 10, 'adam'),
      /^hyperparameters\.momentum: not a hyperparameter of the adam optimizer/,
    );
    oneLine(
      () => resolveSearchSpace({ layerLearningRate: {} }, 10),
      /^hyperparameters\.layerLearningRate: is per layer: it needs the model’s layers/,
    );
    oneLine(
      () => resolveSearchSpace({ momentum: { range: [0, 0.9], lg: true } }, 10),
      /^hyperparameters\.momentum: /,
    );
  });

  it('reject a tune call in one line, leaving no tensors behind', async () => {
    const data = dataset();
    const before = tf.memory().numTensors;
    await expect(
      tuneHyperparameters(options(data, { hyperparameters: { momentum: { range: [1, 0] } } })),
    ).rejects.toThrow(/^hyperparameters\.momentum: range \[1, 0\] has min > max$/);
    await expect(tuneHyperparameters(options(data, { particles: 3 }))).rejects.toThrow(
      /^particles: must be even/,
    );
    await expect(
      tuneHyperparameters(options(data, { loss: 'meanSquaredError', objective: 'val-accuracy' })),
    ).rejects.toThrow(/^objective: val-accuracy needs a classification loss/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(data));
  });
});

describe('result.optimizer()', () => {
  it('trains a fresh model, better than the initial hyperparameters do', async () => {
    const data = dataset();
    const { result } = await tunedFromPoorStart();
    const space = resolveSearchSpace(POOR_START, 30);
    const untuned = new TunedOptimizer(space, space.initialTheta());
    const trained = async (optimizer: tf.Optimizer, start: tf.Tensor[]) => {
      const model = buildModel();
      model.setWeights(start);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      await model.fit(data.x, data.y, { batchSize: 32, epochs: 4, shuffle: false, verbose: 0 });
      const loss = model.evaluate(data.validationX, data.validationY) as tf.Scalar;
      const value = (await loss.data())[0]!;
      tf.dispose(loss);
      model.dispose();
      return value;
    };
    const template = buildModel();
    // Seeded starting weights, the same for both runs: tfjs's initializers are not seeded.
    const start = template
      .getWeights()
      .map((w, i) => tf.randomUniform(w.shape, -0.4, 0.4, 'float32', i));
    template.dispose();
    const tunedOptimizer = result.optimizer();
    const tunedLoss = await trained(tunedOptimizer, start);
    const untunedLoss = await trained(untuned, start);
    expect(tunedOptimizer.iterations).toBe(4 * Math.ceil(240 / 32));
    expect(tunedLoss).toBeLessThan(untunedLoss - 0.1);
    tunedOptimizer.dispose();
    untuned.dispose();
    tf.dispose([...start, ...Object.values(data)]);
  });
});
