import { describe, expect, it } from 'vitest';
import type { IterationPoint, RunStatus, WorkerReply } from '../src/protocol.js';
import { resolvePlaygroundConfig, type PlaygroundOverrides } from '../src/run-config.js';
import { createSession } from '../src/session.js';
import { createRun, stepRun, thetaBits } from '../src/training.js';
import { cliTheta } from './cli-theta.js';

/** Few iterations, each cheap: enough for the optimizer states and keys to matter. */
const ITERATIONS = 20;

const CASES: { task: string; estimator: string; overrides: PlaygroundOverrides }[] = [
  { task: 'toy-regression', estimator: 'pes', overrides: { seed: 0 } },
  { task: 'toy-regression', estimator: 'tes', overrides: { seed: 0 } },
  { task: 'toy-regression', estimator: 'es', overrides: { seed: 1 } },
  {
    task: 'toy-regression',
    estimator: 'pes',
    overrides: { seed: 7, unrollLength: 5, particles: 20, sigma: 0.5, outerLr: 0.05 },
  },
  { task: 'influence-balancing', estimator: 'pes', overrides: {} },
  { task: 'influence-balancing', estimator: 'tes', overrides: { seed: 2, particles: 100 } },
];

/** θ after `ITERATIONS` iterations of the page's loop, stepped directly. */
async function loopTheta(task: string, estimator: string, overrides: PlaygroundOverrides) {
  let run = await createRun(
    resolvePlaygroundConfig(task, estimator, { ...overrides, iterations: ITERATIONS }),
  );
  for (let i = 0; i < ITERATIONS; i++) run = stepRun(run).run;
  return Array.from(run.state.theta);
}

/** The worker's session driven by its messages in this process, to the end of every run. */
async function sessionRuns(
  task: string,
  estimators: string[],
  overrides: PlaygroundOverrides,
): Promise<{ runs: RunStatus[]; points: IterationPoint[] }> {
  const points: IterationPoint[] = [];
  let finished: (runs: RunStatus[]) => void;
  const done = new Promise<RunStatus[]>((resolve) => (finished = resolve));
  const session = createSession((reply: WorkerReply) => {
    if (reply.type === 'error') throw new Error(reply.message);
    points.push(...reply.points);
    if (reply.type === 'progress' && !reply.running) finished(reply.runs);
  });
  await session.handle({
    type: 'settings',
    task,
    estimators,
    overrides: { ...overrides, iterations: ITERATIONS },
    iterationsPerSlice: 3,
  });
  await session.handle({ type: 'start' });
  return { runs: await done, points };
}

describe('the page’s training loop gives the θ of pes meta-train, bit for bit', () => {
  it.each(CASES)('$task with $estimator ($overrides)', async ({ task, estimator, overrides }) => {
    const cli = await cliTheta(task, estimator, { ...overrides, iterations: ITERATIONS });
    const page = await loopTheta(task, estimator, overrides);
    expect(thetaBits(page)).toEqual(thetaBits(cli));
  });

  it('through the worker’s messages too, every estimator of a comparison from the same start', async () => {
    const estimators = ['pes', 'tes', 'es'];
    const { runs, points } = await sessionRuns('toy-regression', estimators, { seed: 0 });
    expect(runs.map((r) => [r.estimator, r.iteration, r.finished])).toEqual(
      estimators.map((e) => [e, ITERATIONS, true]),
    );
    for (const run of runs) {
      const cli = await cliTheta('toy-regression', run.estimator, {
        seed: 0,
        iterations: ITERATIONS,
      });
      expect(run.thetaBits).toEqual(thetaBits(cli));
      expect(run.theta.map(Number)).toEqual(cli);
      // Every iteration is reported once, in order, starting from the shared initial θ.
      const path = points.filter((p) => p.estimator === run.estimator);
      expect(path.map((p) => p.iteration)).toEqual(
        Array.from({ length: ITERATIONS + 1 }, (_, i) => i),
      );
      expect(path[0]!.theta).toEqual([-4, -4]);
    }
  });

  it('tells runs apart: another seed gives another θ (the comparison has power)', async () => {
    const cli = await cliTheta('toy-regression', 'pes', { seed: 0, iterations: ITERATIONS });
    const page = await loopTheta('toy-regression', 'pes', { seed: 1 });
    expect(thetaBits(page)).not.toEqual(thetaBits(cli));
  });
});

describe('thetaBits', () => {
  it('writes the float64 bits, big-endian, so that values one ulp apart differ', () => {
    expect(thetaBits([1, -2, 0.1])).toEqual([
      '3ff0000000000000',
      'c000000000000000',
      '3fb999999999999a',
    ]);
    expect(thetaBits([0.1 + 0.2])).not.toEqual(thetaBits([0.3]));
    expect(thetaBits([0])).not.toEqual(thetaBits([-0]));
  });
});

describe('resolvePlaygroundConfig', () => {
  it('applies the task’s per-estimator defaults under the visitor’s settings', () => {
    expect(resolvePlaygroundConfig('toy-regression', 'es').settings.sigma).toBe(1);
    expect(resolvePlaygroundConfig('toy-regression', 'pes').settings.sigma).toBe(0.3);
    expect(resolvePlaygroundConfig('toy-regression', 'es', { sigma: 0.2 }).settings.sigma).toBe(
      0.2,
    );
    expect(resolvePlaygroundConfig('toy-regression', 'pes').options).toEqual({ horizon: 100 });
  });

  it('refuses what pes meta-train refuses', () => {
    expect(() => resolvePlaygroundConfig('toy-regression', 'pes', { particles: 0 })).toThrow();
    expect(() => resolvePlaygroundConfig('mnist-lr-schedule', 'pes')).toThrow(/no task/);
  });
});
