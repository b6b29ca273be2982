import { meanAndStd } from '@pes/core';
import type { AdamGridPoint, ImageData, OptimizerEvaluation } from '@pes/inner-problems';
import { describe, expect, it } from 'vitest';
import {
  defaultEvalEvery,
  EVALUATION_TASKS,
  EvaluationProblemError,
  FAMILY_WEIGHTS_PROVENANCE,
  HELD_OUT_SUITE,
  problemNetwork,
  SUITES,
  suiteRow,
  suiteVerdict,
  taskProblem,
  WITHIN_FACTOR,
} from '../src/index.js';
import { loadEvaluationProblem } from '../src/node/index.js';

/** The shape problemNetwork reads of a dataset: features, classes, one channel's size. */
const shapeOf = (features: number, channelSize: number) =>
  ({
    train: { features, channelSize, classNames: Array.from({ length: 10 }, String) },
  }) as unknown as ImageData;
const MNIST = shapeOf(784, 784);
const CIFAR10 = shapeOf(3072, 1024);

describe('the held-out suite', () => {
  it('is the suite named held-out, of uniquely named problems of known tasks', () => {
    expect(SUITES['held-out']).toBe(HELD_OUT_SUITE);
    const names = HELD_OUT_SUITE.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const problem of HELD_OUT_SUITE) {
      expect(Object.keys(EVALUATION_TASKS)).toContain(problem.task);
      expect(problem.heldOut).not.toBe('');
    }
  });

  it('holds out of every problem something the shipped family never drew', () => {
    const { family } = FAMILY_WEIGHTS_PROVENANCE.config;
    for (const problem of HELD_OUT_SUITE) {
      const network = problemNetwork(problem, MNIST);
      const widths = network.architecture?.slice(1, -1) ?? [];
      const outside =
        network.network !== undefined ||
        widths.some((w) => !family.widths.includes(w)) ||
        widths.length > Math.max(...family.depths) ||
        !family.batchSizes.includes(problem.batch) ||
        problem.steps > family.horizon.max;
      expect(outside, problem.name).toBe(true);
    }
  });
});

describe('a problem of one task', () => {
  it('takes batch 32 and 200 steps unless set, and the task’s network', () => {
    expect(taskProblem('mnist-mlp', { trainRecords: 500 })).toEqual({
      task: 'mnist-mlp',
      batch: 32,
      steps: 200,
      trainRecords: 500,
    });
    expect(
      taskProblem('cifar10-mlp', { arch: '3072-8-10', batch: 8, steps: 6, trainRecords: 100 }),
    ).toEqual({ task: 'cifar10-mlp', arch: '3072-8-10', batch: 8, steps: 6, trainRecords: 100 });
  });

  it('draws about 20 curve points per run unless told', () => {
    expect(defaultEvalEvery(200)).toBe(10);
    expect(defaultEvalEvery(2000)).toBe(100);
    expect(defaultEvalEvery(6)).toBe(1);
  });

  it('builds the MLP of its arch (default the task’s) or the conv net, fitted to the data', () => {
    const mlp = problemNetwork(taskProblem('cifar10-mlp', { trainRecords: 1 }), CIFAR10);
    expect(mlp).toMatchObject({
      architecture: [3072, 32, 10],
      activation: 'relu',
      description: '3072-32-10 relu MLP',
      arch: '3072-32-10',
    });
    const conv = problemNetwork(taskProblem('mnist-conv', { trainRecords: 1 }), MNIST);
    expect(conv.network).toBeDefined();
    expect(conv.description).toMatch(/^conv 8-16/);
    expect(conv.arch).toBeUndefined();
  });

  it.each([
    [{ task: 'mnist-conv', arch: '784-8-10' }, /^arch sets an MLP's layers; mnist-conv is a conv/],
    [{ task: 'mnist-mlp', arch: '784-x-10' }, /^arch: /],
    [{ task: 'mnist-mlp', arch: '100-10' }, /^arch 100-10 does not fit mnist: it needs 784 inputs/],
  ] as const)('refuses %j, naming the field first', (setting, message) => {
    const problem = taskProblem(setting.task, { arch: setting.arch, trainRecords: 1 });
    expect(() => problemNetwork(problem, MNIST)).toThrow(EvaluationProblemError);
    expect(() => problemNetwork(problem, MNIST)).toThrow(message);
  });

  it('loads its dataset from files (MNIST: the embedded digits) with its network', () => {
    const { data, network } = loadEvaluationProblem(
      taskProblem('mnist-mlp', { arch: '784-8-10', trainRecords: 1 }),
    );
    expect(data.train.features).toBe(784);
    expect(network.architecture).toEqual([784, 8, 10]);
  });
});

/** An evaluation with the given mean final losses (null: every seed diverged). */
function evaluation(train: number | null, val: number, diverged = 0): OptimizerEvaluation {
  return {
    finalTrainLoss: meanAndStd(train === null ? [] : [train]),
    finalValLoss: meanAndStd([val]),
    finalValAccuracy: meanAndStd([0.9]),
    diverged,
    runs: [],
    seconds: 0,
  };
}
const adam = (learningRate: number, train: number | null, val: number, diverged = 0) =>
  ({ learningRate, ...evaluation(train, val, diverged) }) as AdamGridPoint;
const problem = { name: 'p', heldOut: 'something' };

describe('the suite verdict', () => {
  // The grid's lowest training loss (1e-2) is not its lowest validation loss (1e-3).
  const grid = [adam(1e-3, 0.4, 0.1), adam(1e-2, 0.2, 0.5), adam(1, 0.01, 0.01, 1)];

  it('sets the learned optimizer against the Adam of lowest final training loss', () => {
    const row = suiteRow(problem, evaluation(0.3, 9), grid);
    expect(row).toMatchObject({
      problem: 'p',
      heldOut: 'something',
      tunedAdamLearningRate: 1e-2,
      tunedAdam: grid[1]!.finalTrainLoss,
      learnedDiverged: 0,
      within: true,
    });
    expect(row.ratio).toBeCloseTo(1.5, 12);
  });

  it(`is not within past ${WITHIN_FACTOR}×, nor with a diverged seed or no tuned Adam`, () => {
    expect(suiteRow(problem, evaluation(0.41, 0.1), grid)).toMatchObject({ within: false });
    expect(suiteRow(problem, evaluation(0.4, 0.1), grid).within).toBe(true);
    expect(suiteRow(problem, evaluation(0.1, 0.1, 1), grid)).toMatchObject({
      ratio: null,
      within: false,
      learnedDiverged: 1,
    });
    expect(suiteRow(problem, evaluation(0.1, 0.1), [adam(1, 0.1, 0.1, 2)])).toMatchObject({
      tunedAdamLearningRate: null,
      tunedAdam: null,
      tunedAdamAccuracy: null,
      ratio: null,
      within: false,
    });
  });

  it('names the problems that miss, or says none does', () => {
    const within = suiteRow({ ...problem, name: 'a' }, evaluation(0.2, 0.1), grid);
    const miss = suiteRow({ ...problem, name: 'b' }, evaluation(2, 0.1), grid);
    expect(suiteVerdict([within])).toEqual({
      misses: [],
      verdict: `The learned optimizer's final training loss is within ${WITHIN_FACTOR}× of the tuned Adam's on every problem.`,
    });
    expect(suiteVerdict([within, miss, { ...miss, problem: 'c' }])).toEqual({
      misses: ['b', 'c'],
      verdict: `Not within ${WITHIN_FACTOR}× of the tuned Adam's final training loss on: b, c.`,
    });
  });
});
