import loadMujoco from 'mujoco-js';
import { makeKey, persistentEs, type Task } from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONTROL_COST,
  FRAME_SKIP,
  loadSwimmerPhysics,
  SWIMMER_XML,
  swimmerTask,
  type SwimmerState,
} from '../src/index.js';

beforeAll(loadSwimmerPhysics);

describe('Swimmer environment', () => {
  it('has the 8-number observation and the reward of Gym’s Swimmer, step by step against raw MuJoCo', async () => {
    // An independent MuJoCo instance stepped by hand: the reference values.
    const mj = await loadMujoco();
    mj.FS.mkdir('/ref');
    mj.FS.writeFile('/ref/swimmer.xml', SWIMMER_XML);
    const model = mj.MjModel.loadFromXML('/ref/swimmer.xml');
    const data = new mj.MjData(model);
    const task = swimmerTask({ horizon: 1000 });
    let state: SwimmerState = {
      qpos: new Float64Array(5),
      qvel: new Float64Array(5),
      t: new Int32Array(1),
    };
    const actions = [
      [0.5, -0.3],
      [1, 1],
      [-2, 0.7],
    ]; // the last is clipped to −1
    for (const a of actions) {
      const clipped = a.map((v) => Math.max(-1, Math.min(1, v)));
      const x0 = data.qpos[0] as number;
      data.ctrl[0] = clipped[0]!;
      data.ctrl[1] = clipped[1]!;
      for (let f = 0; f < FRAME_SKIP; f++) mj.mj_step(model, data);
      const expectedReward =
        ((data.qpos[0] as number) - x0) / (model.opt.timestep * FRAME_SKIP) -
        CONTROL_COST * (clipped[0]! ** 2 + clipped[1]! ** 2);
      const expectedObservation = [
        ...Array.from(data.qpos as Float64Array).slice(2),
        ...Array.from(data.qvel as Float64Array),
      ];
      const step = task.step(state, a);
      expect(step.reward).toBeCloseTo(expectedReward, 10);
      expect(Array.from(step.observation)).toHaveLength(8);
      step.observation.forEach((v, i) => expect(v).toBeCloseTo(expectedObservation[i]!, 10));
      state = step.state;
    }
    expect(
      task.step(
        { qpos: new Float64Array(5), qvel: new Float64Array(5), t: new Int32Array(1) },
        [0, 0],
      ).reward,
    ).toBe(0);
    data.delete();
    model.delete();
    task.close();
  });

  it('ends episodes at the horizon and resets there; pairs resetting together start alike', () => {
    const task = swimmerTask({ horizon: 30 });
    const theta = new Float64Array(2 * task.dim).fill(0.1);
    const r = task.unroll(task.init(makeKey(0), 2), theta, 35, makeKey(1));
    expect(r.done[29]).toBe(1);
    expect(r.done[35 + 29]).toBe(1);
    expect(Array.from(r.state.qpos.subarray(0, 5))).toEqual(
      Array.from(r.state.qpos.subarray(5, 10)),
    );
    task.close();
  });

  it('keeps one simulator per particle over many episodes and frees them when closed', () => {
    const task = swimmerTask({ horizon: 20 });
    const pes = persistentEs(task as Task, { particles: 4, sigma: 0.3, unrollLength: 10 });
    const theta = task.initialTheta();
    let state = pes.init(theta, makeKey(0));
    for (let i = 0; i < 40; i++) state = pes.estimate(theta, state, makeKey(i + 1)).state; // 20 episodes each
    expect(task.liveObjects()).toBe(1 + 4);
    task.close();
    expect(task.liveObjects()).toBe(0);
  });

  it('evaluates by the mean return of full episodes; a zero policy barely moves', () => {
    const task = swimmerTask({ horizon: 100, evalEpisodes: 2 });
    const e = task.evaluate(task.initialTheta(), makeKey(0));
    expect(e.evalReturn).toBe(e.evalLoss);
    expect(Math.abs(e.evalReturn!)).toBeLessThan(5);
    task.close();
  });
});
