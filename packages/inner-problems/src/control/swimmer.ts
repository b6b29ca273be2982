import {
  foldIn,
  truncationSchedule,
  uniform,
  type Evaluation,
  type InitOptions,
  type Key,
  type Task,
} from '@pes/core';
import type loadMujocoModule from 'mujoco-js';
import { SWIMMER_XML } from './swimmer-model.js';

type MujocoModule = Awaited<ReturnType<typeof loadMujocoModule>>;
type Model = InstanceType<MujocoModule['MjModel']>;
type Data = InstanceType<MujocoModule['MjData']>;

/**
 * MuJoCo's Emscripten loader imports Node's `module` behind its own Node check, which a browser
 * bundler cannot see past (esbuild fails on it). The package is therefore imported only when a
 * swimmer is first built, by a specifier bundlers leave alone: the browser entries bundle
 * without it, and Node resolves it as the dependency it is. A page that wants the swimmer maps
 * `mujoco-js` in an import map.
 */
const MUJOCO_JS: string = 'mujoco-js';

export const SWIMMER_NQ = 5;
export const SWIMMER_NV = 5;
export const SWIMMER_OBS = 8;
export const SWIMMER_ACTIONS = 2;
export const FRAME_SKIP = 4;
export const CONTROL_COST = 1e-4;
const RESET_NOISE = 0.1;

let physics: MujocoModule | undefined;

/** Loads the MuJoCo WebAssembly module once (about 150 ms). */
export async function loadSwimmerPhysics(): Promise<void> {
  if (physics) return;
  const { default: loadMujoco } = (await import(/* @vite-ignore */ MUJOCO_JS)) as {
    default: typeof loadMujocoModule;
  };
  physics = await loadMujoco();
  physics.FS.mkdir('/pes');
  physics.FS.writeFile('/pes/swimmer.xml', SWIMMER_XML);
}

/**
 * Every particle's swimmer as plain numbers (joint positions, velocities, step in the episode),
 * so that states are values and checkpoint as they are; the simulators are a pool of MjData,
 * one per particle, that load a state, step it and are reused.
 */
export interface SwimmerState {
  qpos: Float64Array;
  qvel: Float64Array;
  t: Int32Array;
}

export interface SwimmerTask extends Task<SwimmerState> {
  /** Frees the simulators (MjData, MjModel). */
  close(): void;
  /** Simulator objects alive now: one model and one data object per particle of the widest unroll. */
  liveObjects(): number;
  /** One environment step for particle 0 of a one-particle state: observation, reward, new state. */
  step(
    state: SwimmerState,
    action: ArrayLike<number>,
  ): { observation: Float64Array; reward: number; state: SwimmerState };
  observation(state: SwimmerState, p: number): Float64Array;
}

/**
 * Gym's Swimmer as a PES task: linear policy a = clip(θ · obs) with θ a 2 × 8 matrix,
 * observation = joint angles without the x-y position (3) and all velocities (5), reward =
 * forward velocity − 1e-4 ‖a‖² per step of 4 physics steps, episodes of `horizon` steps.
 * The per-step "losses" are rewards: the task is maximised.
 */
export function swimmerTask(
  options: { horizon?: number; evalEpisodes?: number } = {},
): SwimmerTask {
  if (!physics) throw new Error('call loadSwimmerPhysics() before creating the swimmer task');
  const mj = physics;
  const horizon = options.horizon ?? 1000;
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  const schedule = truncationSchedule(horizon);
  const evalEpisodes = options.evalEpisodes ?? 5;
  const model: Model = mj.MjModel.loadFromXML('/pes/swimmer.xml');
  const dt = model.opt.timestep * FRAME_SKIP;
  const pool: Data[] = [];
  let closed = false;
  const dim = SWIMMER_ACTIONS * SWIMMER_OBS;
  const obs = new Float64Array(SWIMMER_OBS);

  const simulators = (count: number) => {
    while (pool.length < count) pool.push(new mj.MjData(model));
    return pool;
  };

  const observe = (qpos: Float64Array, qvel: Float64Array, p: number, out: Float64Array) => {
    for (let i = 0; i < 3; i++) out[i] = qpos[p * SWIMMER_NQ + 2 + i]!;
    for (let i = 0; i < SWIMMER_NV; i++) out[3 + i] = qvel[p * SWIMMER_NV + i]!;
  };

  /** Gym's reset: initial positions and velocities plus U(−0.1, 0.1) noise from a key. */
  const resetInto = (qpos: Float64Array, qvel: Float64Array, p: number, key: Key) => {
    const u = uniform(key, SWIMMER_NQ + SWIMMER_NV);
    for (let i = 0; i < SWIMMER_NQ; i++) qpos[p * SWIMMER_NQ + i] = RESET_NOISE * (2 * u[i]! - 1);
    for (let i = 0; i < SWIMMER_NV; i++)
      qvel[p * SWIMMER_NV + i] = RESET_NOISE * (2 * u[SWIMMER_NQ + i]! - 1);
  };

  /** One environment step of particle p on simulator d, in place on qpos/qvel; returns the reward. */
  const envStep = (
    d: Data,
    qpos: Float64Array,
    qvel: Float64Array,
    p: number,
    action: ArrayLike<number>,
  ) => {
    d.qpos.set(qpos.subarray(p * SWIMMER_NQ, (p + 1) * SWIMMER_NQ));
    d.qvel.set(qvel.subarray(p * SWIMMER_NV, (p + 1) * SWIMMER_NV));
    d.time = 0;
    let cost = 0;
    for (let j = 0; j < SWIMMER_ACTIONS; j++) {
      const a = Math.max(-1, Math.min(1, action[j]!));
      d.ctrl[j] = a;
      cost += a * a;
    }
    const xBefore = d.qpos[0] as number;
    for (let f = 0; f < FRAME_SKIP; f++) mj.mj_step(model, d);
    const xAfter = d.qpos[0] as number;
    qpos.set(d.qpos, p * SWIMMER_NQ);
    qvel.set(d.qvel, p * SWIMMER_NV);
    return (xAfter - xBefore) / dt - CONTROL_COST * cost;
  };

  const policy = (
    theta: Float64Array,
    offset: number,
    observation: Float64Array,
    out: Float64Array,
  ) => {
    for (let j = 0; j < SWIMMER_ACTIONS; j++) {
      let a = 0;
      for (let i = 0; i < SWIMMER_OBS; i++)
        a += theta[offset + j * SWIMMER_OBS + i]! * observation[i]!;
      out[j] = a;
    }
  };

  const action = new Float64Array(SWIMMER_ACTIONS);
  const task: SwimmerTask = {
    name: 'swimmer',
    dim,
    horizon,
    maximize: true,
    initialTheta: () => new Float64Array(dim),
    init(key, particles, initOptions?: InitOptions) {
      const qpos = new Float64Array(particles * SWIMMER_NQ);
      const qvel = new Float64Array(particles * SWIMMER_NV);
      for (let p = 0; p < particles; p++) resetInto(qpos, qvel, p, key);
      return { qpos, qvel, t: schedule.init(particles, initOptions?.stepOffsets) };
    },
    unroll(state, thetas, steps, key) {
      const particles = state.t.length;
      if (thetas.length !== particles * dim)
        throw new RangeError(`expected ${particles} × ${dim} thetas`);
      const qpos = state.qpos.slice();
      const qvel = state.qvel.slice();
      const episodes = schedule.unroll(state.t, steps);
      const losses = new Float64Array(particles * steps);
      const sims = simulators(particles);
      for (let p = 0; p < particles; p++) {
        const d = sims[p]!;
        for (let k = 0; k < steps; k++) {
          observe(qpos, qvel, p, obs);
          policy(thetas, p * dim, obs, action);
          losses[p * steps + k] = envStep(d, qpos, qvel, p, action);
          // Particles resetting at the same step of the same unroll (an antithetic pair) start alike.
          if (episodes.step(p, k)) resetInto(qpos, qvel, p, foldIn(key, k));
        }
      }
      return { state: { qpos, qvel, t: episodes.t }, losses, done: episodes.done };
    },
    reset(state, mask, key) {
      const qpos = state.qpos.slice();
      const qvel = state.qvel.slice();
      for (let p = 0; p < mask.length; p++) if (mask[p]) resetInto(qpos, qvel, p, key);
      return { qpos, qvel, t: schedule.reset(state.t, mask) };
    },
    gather(state, indices) {
      const qpos = new Float64Array(indices.length * SWIMMER_NQ);
      const qvel = new Float64Array(indices.length * SWIMMER_NV);
      indices.forEach((from, p) => {
        qpos.set(state.qpos.subarray(from * SWIMMER_NQ, (from + 1) * SWIMMER_NQ), p * SWIMMER_NQ);
        qvel.set(state.qvel.subarray(from * SWIMMER_NV, (from + 1) * SWIMMER_NV), p * SWIMMER_NV);
      });
      return { qpos, qvel, t: schedule.gather(state.t, indices) };
    },
    evaluate(theta, key): Evaluation {
      let total = 0;
      for (let e = 0; e < evalEpisodes; e++) {
        const start = task.init(foldIn(key, e), 1);
        total += task
          .unroll(start, theta, horizon, foldIn(key, e))
          .losses.reduce((a, b) => a + b, 0);
      }
      const evalReturn = total / evalEpisodes;
      return { evalLoss: evalReturn, evalReturn };
    },
    restore(snapshot) {
      const s = snapshot as Partial<SwimmerState>;
      if (
        !(s?.qpos instanceof Float64Array) ||
        !(s.qvel instanceof Float64Array) ||
        !(s.t instanceof Int32Array)
      ) {
        throw new TypeError('swimmer checkpoint: state arrays have the wrong type');
      }
      return { qpos: s.qpos, qvel: s.qvel, t: s.t };
    },
    close() {
      if (closed) return;
      closed = true;
      for (const d of pool.splice(0)) d.delete();
      model.delete();
    },
    liveObjects: () => (closed ? 0 : 1) + pool.length,
    step(state, a) {
      const qpos = state.qpos.slice();
      const qvel = state.qvel.slice();
      const reward = envStep(simulators(1)[0]!, qpos, qvel, 0, a);
      const next = { qpos, qvel, t: Int32Array.of(state.t[0]! + 1) };
      return { observation: task.observation(next, 0), reward, state: next };
    },
    observation(state, p) {
      const out = new Float64Array(SWIMMER_OBS);
      observe(state.qpos, state.qvel, p, out);
      return out;
    },
  };
  return task;
}
