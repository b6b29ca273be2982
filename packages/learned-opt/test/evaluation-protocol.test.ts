import { meanAndStd } from '@pes/core';
import type { AdamGridPoint, ImageData, OptimizerEvaluation } from '@pes/inner-problems';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  defaultEvalEvery,
  EVALUATION_TASKS,
  EvaluationProblemError,
  FAMILY_WEIGHTS_PROVENANCE,
  geometricMean,
  HELD_OUT_SUITE,
  interquartileMean,
  LONGEST_TRAINED_HORIZON,
  MLP_FAMILY_HELD_OUT_SUITE,
  problemNetwork,
  SUITES,
  suiteRow,
  suiteSummary,
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
const TEXT = shapeOf(8, 8);
const shapeOfDataset = { mnist: MNIST, cifar10: CIFAR10, text: TEXT } as const;

/** The normalised optimizer's recipe: the family the held-out suite is held out from. */
const recipe = parse(
  readFileSync(new URL('../weights/lopt-normalized.yaml', import.meta.url), 'utf8'),
) as {
  family: {
    datasets: { name: string; size?: number }[];
    depths: number[];
    widths: number[];
    batchSizes: number[];
    horizon: { max: number };
  };
};

describe('the held-out suite', () => {
  it('is the suite named held-out, of at least 8 uniquely named problems of known tasks', () => {
    expect(SUITES['held-out']).toBe(HELD_OUT_SUITE);
    const names = HELD_OUT_SUITE.map((p) => p.name);
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(new Set(names).size).toBe(names.length);
    for (const problem of HELD_OUT_SUITE) {
      expect(Object.keys(EVALUATION_TASKS)).toContain(problem.task);
      expect(problem.heldOut).not.toBe('');
    }
  });

  it('runs each problem at 1× the longest horizon of the recipe', () => {
    expect(LONGEST_TRAINED_HORIZON).toBe(recipe.family.horizon.max);
    for (const problem of HELD_OUT_SUITE) expect(problem.steps).toBe(LONGEST_TRAINED_HORIZON);
  });

  it('holds out of every problem what the recipe’s family never drew: full-size inputs, and all but one more', () => {
    const { family } = recipe;
    const sizes = family.datasets.map((d) => (d.size ?? 0) ** 2);
    let more = 0;
    for (const problem of HELD_OUT_SUITE) {
      const data = shapeOfDataset[EVALUATION_TASKS[problem.task].dataset];
      expect(sizes, problem.name).not.toContain(data.train.features);
      const network = problemNetwork(problem, data);
      const widths = network.architecture?.slice(1, -1) ?? [];
      const outside =
        network.network !== undefined ||
        data === CIFAR10 ||
        widths.some((w) => !family.widths.includes(w)) ||
        widths.length > Math.max(...family.depths) ||
        !family.batchSizes.includes(problem.batch);
      if (outside) more++;
    }
    expect(more).toBe(HELD_OUT_SUITE.length - 1);
  });

  it('keeps the MLP learned optimizer’s problems, each outside its family', () => {
    expect(SUITES['mlp-family-held-out']).toBe(MLP_FAMILY_HELD_OUT_SUITE);
    const { family } = FAMILY_WEIGHTS_PROVENANCE.config;
    for (const problem of MLP_FAMILY_HELD_OUT_SUITE) {
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
    const autoencoder = problemNetwork(
      taskProblem('mnist-autoencoder', { trainRecords: 1 }),
      MNIST,
    );
    expect(autoencoder.description).toBe('784-128-32-128-784 relu autoencoder');
  });

  it.each([
    [{ task: 'mnist-conv', arch: '784-8-10' }, /^arch sets an MLP's layers; mnist-conv is a conv/],
    [{ task: 'mnist-mlp', arch: '784-x-10' }, /^arch: /],
    [{ task: 'mnist-mlp', arch: '100-10' }, /^arch 100-10 does not fit mnist: it needs 784 inputs/],
    [
      { task: 'mnist-autoencoder', arch: '784-32-10' },
      /^arch 784-32-10 does not fit mnist: an autoencoder starts and ends at 784/,
    ],
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
    secondsPerStep: 0.002,
  };
}
const adam = (learningRate: number, train: number | null, val: number, diverged = 0) =>
  ({ learningRate, ...evaluation(train, val, diverged) }) as AdamGridPoint;
const problem = { name: 'p', heldOut: 'something', steps: 100 };

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
    expect(suiteRow(problem, evaluation(0.31, 0.1), grid)).toMatchObject({ within: false });
    expect(suiteRow(problem, evaluation(0.3, 0.1), grid).within).toBe(true);
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
      adamSecondsPerStep: null,
    });
  });

  it('records the horizon as steps and multiple', () => {
    expect(suiteRow(problem, evaluation(0.2, 0.1), grid, 5)).toMatchObject({
      steps: 500,
      multiple: 5,
    });
  });

  it('names the problems that miss, or says none does', () => {
    const within = suiteRow({ ...problem, name: 'a' }, evaluation(0.2, 0.1), grid);
    const miss = suiteRow({ ...problem, name: 'b' }, evaluation(2, 0.1), grid);
    expect(suiteVerdict([within]).misses).toEqual([]);
    expect(suiteVerdict([within]).verdict).toMatch(
      `Within ${WITHIN_FACTOR}× of the tuned Adam on every problem: met.`,
    );
    const verdict = suiteVerdict([within, miss, { ...miss, problem: 'c' }]);
    expect(verdict.misses).toEqual(['b', 'c']);
    expect(verdict.verdict).toMatch(
      `Not within ${WITHIN_FACTOR}× on 2 of 3: b, c (worst b, 10.00×).`,
    );
  });
});

describe('the suite summary', () => {
  const grid = [adam(1e-3, 0.2, 0.1)];
  const row = (name: string, learned: number, multiple: number) =>
    suiteRow({ name, heldOut: '', steps: 10 }, evaluation(learned, 0.1), grid, multiple);

  it('takes the geometric mean and the interquartile mean of the ratios', () => {
    const rows = [row('a', 0.1, 1), row('b', 0.2, 1), row('c', 0.4, 1), row('d', 0.8, 1)];
    const s = suiteSummary(rows);
    expect(s.ratios).toBe(4);
    expect(s.geometricMean).toBeCloseTo(Math.sqrt(2) / 1, 12);
    // The middle half of 0.5, 1, 2, 4.
    expect(s.interquartileMean).toBeCloseTo(1.5, 12);
    expect(s.worst).toEqual({ problem: 'd', multiple: 1, ratio: 4 });
    expect(s.verdict[0]).toMatch('Geometric-mean ratio 1.41 (target ≤ 1): missed by 0.41.');
  });

  it('computes the interquartile mean for any count, and the geometric mean', () => {
    expect(interquartileMean([1, 2, 3, 4, 5, 6, 7, 8])).toBeCloseTo((3 + 4 + 5 + 6) / 4, 12);
    // 5 values: the middle half covers 2.5 of them, the 2nd and 4th by half each.
    expect(interquartileMean([1, 2, 3, 4, 100])).toBeCloseTo((0.75 * 2 + 3 + 0.75 * 4) / 2.5, 12);
    expect(interquartileMean([7])).toBe(7);
    expect(geometricMean([1, 4])).toBeCloseTo(2, 12);
  });

  it('finds a climb: a problem that ends higher at a longer horizon', () => {
    const s = suiteSummary([
      row('a', 0.2, 1),
      row('a', 0.3, 5),
      row('b', 0.2, 1),
      row('b', 0.1, 5),
    ]);
    expect(s.climbs).toEqual([
      { problem: 'a', from: { multiple: 1, loss: 0.2 }, to: { multiple: 5, loss: 0.3 } },
    ]);
    expect(s.verdict.join(' ')).toMatch('Climbs at a longer horizon: a 1×→5× (0.200→0.300).');
    expect(suiteSummary([row('b', 0.2, 1), row('b', 0.1, 5)]).verdict.join(' ')).toMatch(
      'No climb',
    );
  });

  it('sets the step time against the tuned Adam’s', () => {
    const slow = { ...row('a', 0.2, 1), learnedSecondsPerStep: 0.003, adamSecondsPerStep: 0.002 };
    expect(suiteSummary([slow]).stepTimeRatio).toBeCloseTo(1.5, 12);
    expect(suiteSummary([slow]).verdict.at(-1)).toMatch("1.50× the tuned Adam's");
  });
});
