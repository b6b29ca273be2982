import { afterAll, describe, expect, it } from 'vitest';
import {
  adam,
  createMetaTrainer,
  defaultLinearQuadraticConfig,
  findEstimator,
  joinSnapshots,
  linearQuadraticTask,
  runMetaTraining,
  shardCounts,
  sliceSnapshot,
  type MetaTrainState,
  type Task,
} from '../src/index.js';
import { processPool, shardedTask, type ShardedTask } from '../src/node/index.js';

const HORIZON = 12;
const config = defaultLinearQuadraticConfig(HORIZON);
const factory = {
  module: new URL('../src/testing/linear-quadratic.ts', import.meta.url).href,
  name: 'linearQuadraticTask',
  options: config,
};
const settings = { particles: 8, sigma: 0.1, unrollLength: 5 };

function trainer(task: Task, estimator: string, iterations: number) {
  return createMetaTrainer({
    task,
    estimator: findEstimator(estimator)!.create(task, settings),
    optimizer: adam(0.05),
    settings: { iterations, evalEvery: 4, seed: 7 },
  });
}

function bits(x: Float64Array): string {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');
}

const opened: ShardedTask[] = [];
async function sharded(workers: number): Promise<ShardedTask> {
  const task = await shardedTask({ factory, workers, group: 2 });
  opened.push(task);
  return task;
}
afterAll(() => {
  for (const t of opened) t.close();
});

describe('shard layout', () => {
  it('splits particles into contiguous blocks of whole pairs, as even as pairs allow', () => {
    expect(shardCounts(8, 3, 2)).toEqual([2, 2, 4]);
    expect(shardCounts(8, 2, 2)).toEqual([4, 4]);
    expect(shardCounts(1, 2, 2)).toEqual([0, 1]);
    expect(shardCounts(6, 4, 2)).toEqual([0, 2, 2, 2]);
    expect(shardCounts(5, 2, 1)).toEqual([2, 3]);
  });

  it('joins shard snapshots into the whole one and slices them back', () => {
    const whole = {
      s: Float64Array.from([1, 2, 3, 4, 5, 6]),
      t: Int32Array.of(7, 8, 9),
      n: 3,
      k: 'x',
    };
    const a = sliceSnapshot(whole, 3, 0, 1);
    const b = sliceSnapshot(whole, 3, 1, 2);
    expect(a).toEqual({ s: Float64Array.of(1, 2), t: Int32Array.of(7), n: 3, k: 'x' });
    expect(joinSnapshots([a, b], [1, 2])).toEqual(whole);
    expect(() => joinSnapshots([{ n: 1 }, { n: 2 }], [1, 1])).toThrow(/shared value differs/);
  });
});

describe('a task sharded over worker threads', () => {
  const unsharded = linearQuadraticTask(config) as Task;

  it.each(['pes', 'tes', 'es', 'nres', 'pes-a', 'tbptt', 'bptt'])(
    '%s reaches the same θ with 1, 2 and 3 workers, bit for bit',
    async (estimator) => {
      const reference = await runMetaTraining({ trainer: trainer(unsharded, estimator, 9) });
      for (const workers of [1, 2, 3]) {
        const task = await sharded(workers);
        const { state } = await runMetaTraining({ trainer: trainer(task, estimator, 9) });
        expect(bits(state.theta), `${workers} workers`).toBe(bits(reference.state.theta));
        expect(state.history.map((h) => h.metaLoss)).toEqual(
          reference.state.history.map((h) => h.metaLoss),
        );
      }
    },
    60_000,
  );

  it('a checkpoint written with 2 workers resumes with 3 (and unsharded) at the same θ', async () => {
    const straight = await runMetaTraining({ trainer: trainer(unsharded, 'pes', 10) });
    const two = trainer(await sharded(2), 'pes', 10);
    let saved: unknown;
    await runMetaTraining({
      trainer: two,
      checkpoint: { every: 4, seconds: 0, save: (s) => (saved ??= structuredClone(s)) },
    });
    for (const task of [await sharded(3), unsharded]) {
      const t = trainer(task, 'pes', 10);
      const resumed: MetaTrainState = t.restore(structuredClone(saved));
      expect(resumed.iteration).toBe(4);
      const { state } = await runMetaTraining({ trainer: t, state: resumed });
      expect(bits(state.theta)).toBe(bits(straight.state.theta));
    }
  }, 60_000);

  it('shards as child processes (processPool): the same θ as unsharded, bit for bit, and snapshots that resume', async () => {
    for (const estimator of ['pes', 'tes', 'pes-a']) {
      const reference = await runMetaTraining({ trainer: trainer(unsharded, estimator, 6) });
      const task = await shardedTask({ factory, pool: processPool(2), group: 2 });
      opened.push(task);
      const { state } = await runMetaTraining({ trainer: trainer(task, estimator, 6) });
      expect(bits(state.theta), estimator).toBe(bits(reference.state.theta));
    }
    const task = await shardedTask({ factory, pool: processPool(3), group: 2 });
    opened.push(task);
    const t = trainer(task, 'pes', 10);
    const straight = await runMetaTraining({ trainer: trainer(unsharded, 'pes', 10) });
    let saved: unknown;
    await runMetaTraining({
      trainer: t,
      checkpoint: { every: 4, seconds: 0, save: (s) => (saved ??= structuredClone(s)) },
    });
    const resumedTrainer = trainer(unsharded, 'pes', 10);
    const { state } = await runMetaTraining({
      trainer: resumedTrainer,
      state: resumedTrainer.restore(structuredClone(saved)),
    });
    expect(bits(state.theta)).toBe(bits(straight.state.theta));
  }, 60_000);

  it('an error in a shard process comes back as one error with its name and message', async () => {
    const task = await shardedTask({ factory, pool: processPool(2), group: 2 });
    opened.push(task);
    expect(() =>
      task.unroll(task.init([0, 0, 0, 1] as never, 4), new Float64Array(3), 2, [
        0, 0, 0, 1,
      ] as never),
    ).toThrow(/thetas|expected/);
  });

  it('an error in a worker comes back as one error with its name and message', async () => {
    const task = await sharded(2);
    expect(() =>
      task.unroll(task.init([0, 0, 0, 1] as never, 4), new Float64Array(3), 2, [
        0, 0, 0, 1,
      ] as never),
    ).toThrow(/thetas|expected/);
  });
});
