import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  adam,
  createMetaTrainer,
  defaultLinearQuadraticConfig,
  findEstimator,
  linearQuadraticTask,
  runMetaTraining,
  sgd,
  type MetaTrainState,
  type Task,
} from '../src/index.js';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../src/node/index.js';

const quadratic = linearQuadraticTask(defaultLinearQuadraticConfig(20)) as Task;
const settings = { particles: 8, sigma: 0.1, unrollLength: 3 };

function trainer(task: Task, estimator: string, iterations: number, evalEvery = 5) {
  return createMetaTrainer({
    task,
    estimator: findEstimator(estimator)!.create(task, settings),
    optimizer: adam(0.05, { b1: 0.99 }),
    settings: { iterations, evalEvery, seed: 3 },
  });
}

function bits(x: Float64Array): string {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex');
}

describe('resume from a checkpoint file', () => {
  it.each(['pes', 'nres', 'tes', 'es', 'tbptt'])(
    '%s reaches bit-identical θ and history',
    async (name) => {
      const total = 30;
      const straight = await runMetaTraining({ trainer: trainer(quadratic, name, total) });

      const dir = mkdtempSync(join(tmpdir(), 'pes-resume-'));
      const file = join(dir, 'checkpoint.json');
      let calls = 0;
      const first = await runMetaTraining({
        trainer: trainer(quadratic, name, total),
        checkpoint: { every: 4, save: (snapshot) => saveCheckpoint(file, snapshot) },
        shouldStop: () => ++calls > 13, // stop after 13 iterations, mid-way between checkpoints
      });
      expect(first.stopped).toBe(true);
      expect(first.state.iteration).toBe(13);

      const second = trainer(quadratic, name, total);
      const restored = second.restore(loadCheckpoint(file));
      expect(restored.iteration).toBe(13);
      const resumed = await runMetaTraining({ trainer: second, state: restored });
      expect(bits(resumed.state.theta)).toBe(bits(straight.state.theta));
      expect(resumed.state.history).toEqual(straight.state.history);
      expect(resumed.state.counters).toEqual(straight.state.counters);
      expect(readdirSync(dir)).toEqual(['checkpoint.json']); // no temporary file left behind
    },
  );
});

describe('resume from a checkpoint of an older @pes', () => {
  it('refuses an Adam state without the running β^t products, saying why', async () => {
    const first = await runMetaTraining({ trainer: trainer(quadratic, 'pes', 3) });
    const snapshot = trainer(quadratic, 'pes', 3).snapshot(first.state) as MetaTrainState;
    const [adamState, scaleState] = snapshot.optimizer as [Record<string, unknown>, unknown];
    const { b1Power: _b1, b2Power: _b2, ...older } = adamState;
    const restore = (optimizer: unknown) =>
      trainer(quadratic, 'pes', 6).restore({ ...snapshot, optimizer });
    expect(restore([adamState, scaleState]).iteration).toBe(3);
    expect(() => restore([older, scaleState])).toThrow(
      /Adam state has no running β1\^t, β2\^t .*: start the run again$/,
    );
  });
});

describe('checkpoint files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pes-ckpt-'));
  const file = join(dir, 'c.json');
  const state = {
    theta: Float64Array.of(1, Number.NaN, -0),
    n: Infinity,
    nested: [Int32Array.of(-3)],
  };

  it('round-trip typed arrays and non-finite numbers exactly', () => {
    saveCheckpoint(file, state);
    const back = loadCheckpoint(file) as typeof state;
    expect(back.theta).toBeInstanceOf(Float64Array);
    expect(bits(back.theta)).toBe(bits(state.theta));
    expect(back.n).toBe(Infinity);
    expect(Array.from(back.nested[0]!)).toEqual([-3]);
  });

  it('are byte-compatible with checkpoints written before the codec left Buffer', () => {
    // Written by saveCheckpoint when the codec used Node's Buffer; every padding case of base64.
    const golden = `{"format":"pes-checkpoint","version":1,"sha256":"40d9383d5178c00c52fa564777b0b08858eedeb49c565c76d638a4ba0e449b61","state":{"theta":{"$typed":"Float64Array","base64":"AAAAAAAA+D8AAAAAAAD4fwAAAAAAAACA////////738BAAAAAAAAAA=="},"f32":{"$typed":"Float32Array","base64":"zczMPQAAAMA="},"i32":{"$typed":"Int32Array","base64":"/f///////38="},"u32":{"$typed":"Uint32Array","base64":"/////w=="},"bytes":[{"$typed":"Uint8Array","base64":""},{"$typed":"Uint8Array","base64":"+w=="},{"$typed":"Uint8Array","base64":"+/8="},{"$typed":"Uint8Array","base64":"AD4/"}],"n":{"$number":"-Infinity"},"name":"pes"}}\n`;
    const written = {
      theta: Float64Array.of(1.5, Number.NaN, -0, Number.MAX_VALUE, 5e-324),
      f32: Float32Array.of(0.1, -2),
      i32: Int32Array.of(-3, 2147483647),
      u32: Uint32Array.of(4294967295),
      bytes: [
        Uint8Array.of(),
        Uint8Array.of(251),
        Uint8Array.of(251, 255),
        Uint8Array.of(0, 62, 63),
      ],
      n: -Infinity,
      name: 'pes',
    };
    saveCheckpoint(file, written);
    expect(readFileSync(file, 'utf8')).toBe(golden);
    writeFileSync(file, golden);
    const back = loadCheckpoint(file) as typeof written;
    expect(bits(back.theta)).toBe(bits(written.theta));
    expect(back.f32).toEqual(written.f32);
    expect(back.i32).toEqual(written.i32);
    expect(back.u32).toEqual(written.u32);
    expect(back.bytes).toEqual(written.bytes);
    expect(back.n).toBe(-Infinity);
  });

  it('refuse a changed, truncated, foreign or missing file with a clear message', () => {
    saveCheckpoint(file, state);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"n":', '"m":'));
    expect(() => loadCheckpoint(file)).toThrow(/corrupt: its contents do not match their checksum/);
    writeFileSync(file, text.slice(0, text.length / 2));
    expect(() => loadCheckpoint(file)).toThrow(CheckpointError);
    writeFileSync(file, '{"hello": 1}');
    expect(() => loadCheckpoint(file)).toThrow(/not a @pes checkpoint/);
    writeFileSync(file, text.replace('"version":1', '"version":9'));
    expect(() => loadCheckpoint(file)).toThrow(/version 9/);
    expect(() => loadCheckpoint(join(dir, 'absent.json'))).toThrow(
      /cannot read checkpoint .*ENOENT/,
    );
  });
});

/** The quadratic task with NaN losses for chosen particles on chosen unroll calls. */
function poisoned(poison: (call: number, particle: number) => boolean): Task {
  let call = 0;
  return {
    ...quadratic,
    unroll(state, thetas, steps, key) {
      const result = quadratic.unroll(state, thetas, steps, key);
      const particles = result.losses.length / steps;
      for (let p = 0; p < particles; p++)
        if (poison(call, p)) result.losses[p * steps] = Number.NaN;
      call++;
      return result;
    },
  };
}

describe('non-finite losses never reach θ', () => {
  it('a diverging particle is left out, reset with a fresh accumulator, and counted', () => {
    const task = poisoned((call, p) => call % 3 === 1 && p === 2);
    const t = trainer(task, 'pes', 12);
    let state = t.init();
    for (let i = 0; i < 2; i++) state = t.step(state).state;
    const pes = state.estimator as { accumulators: Float64Array; task: { t: Int32Array } };
    expect(Array.from(pes.accumulators.subarray(2 * 2, 4 * 2))).toEqual([0, 0, 0, 0]); // its pair
    expect(pes.task.t[2]).toBe(0);
    expect(pes.task.t[3]).toBe(0);
    while (!t.isFinished(state)) state = t.step(state).state;
    expect(state.theta.every(Number.isFinite)).toBe(true);
    expect(state.counters.nonFiniteParticles).toBe(4 * 2); // calls 1, 4, 7, 10; one pair each
    expect(state.counters.skippedUpdates).toBe(0);
  });

  it('an iteration with no finite particle is skipped: θ and the optimizer state stay put', () => {
    const task = poisoned((call) => call === 2);
    const t = trainer(task, 'pes', 4);
    let state: MetaTrainState = t.init();
    state = t.step(t.step(state).state).state;
    const { state: after, record } = t.step(state);
    expect(record.skipped).toBe(true);
    expect(bits(after.theta)).toBe(bits(state.theta));
    expect(after.optimizer).toBe(state.optimizer);
    expect(after.counters.skippedUpdates).toBe(1);
  });
});

describe('direction', () => {
  it('maximising negated losses follows exactly the path of minimising the losses', async () => {
    const negated: Task = {
      ...quadratic,
      maximize: true,
      unroll(state, thetas, steps, key) {
        const r = quadratic.unroll(state, thetas, steps, key);
        return { ...r, losses: r.losses.map((l) => -l) };
      },
      evaluate: (theta, key) => ({ evalLoss: -quadratic.evaluate(theta, key).evalLoss }),
    };
    const make = (task: Task) =>
      createMetaTrainer({
        task,
        estimator: findEstimator('pes')!.create(task, settings),
        optimizer: sgd(0.01),
        settings: { iterations: 10, evalEvery: 0, seed: 1 },
      });
    const up = await runMetaTraining({ trainer: make(negated) });
    const down = await runMetaTraining({ trainer: make(quadratic) });
    expect(bits(up.state.theta)).toBe(bits(down.state.theta));
  });
});

describe('evaluation schedule', () => {
  it('evaluates at iteration 0, every evalEvery iterations and at the end', async () => {
    const { state } = await runMetaTraining({ trainer: trainer(quadratic, 'pes', 12, 5) });
    expect(state.history.map((h) => h.iteration)).toEqual([0, 5, 10, 12]);
    expect(state.history[0]!.metaLoss).toBeNull();
    expect(state.history.every((h) => Number.isFinite(h.evaluation.evalLoss))).toBe(true);
  });
});
