import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { meanAndStd } from '@pes/core';
import type { CurvePoint } from '@pes/inner-problems';
import {
  SUITES,
  SUITES_AT_MULTIPLES,
  suiteRow,
  type RowFigures,
  type SuiteProblem,
} from '@pes/learned-opt';
import { UsageError } from '@pes/runner/node';
import { OPTIMIZER_LABELS, type PooledRow, type SuiteRecord } from './evaluation-files.js';

// `pes evaluate-optimizer --suite NAME --pool DIR,DIR --out DIR`: one summary over suite runs
// made with disjoint seeds (`--seed 0 --seeds 2` in one directory, `--seed 2 --seeds 3` in
// another). Each seed's network and minibatches come from its own key (EVALUATION_KEY folded
// with the seed), so a seed's finals do not depend on the seeds run beside it: pooling the
// per-seed finals the evaluation.json files record gives the figures one run of all the seeds
// would, to the last digit but for the wall time. A protocol of 5 seeds can then be reached
// across sessions, and a row of a horizon too long to repeat keeps the seeds it has.

/** What each pooled evaluation.json must agree on with every other: one optimizer, one grid. */
const SUITE_SETTINGS = [
  'weights',
  'normalized',
  'stepScale',
  'stepFeatureLimit',
  'backend',
  'selection',
  'adamLearningRates',
] as const;

/** What the evaluation.json files of one row must also agree on: the same problem and length. */
const UNIT_SETTINGS = [
  'task',
  'dataset',
  'network',
  'arch',
  'batchSize',
  'steps',
  'evalEvery',
  'trainRecords',
  'validationRecords',
] as const;

interface SeedFinal {
  seed: number;
  final: CurvePoint;
  divergedAt?: number;
}

/** One optimizer's figures as evaluation.json records them. */
interface RecordedFigures extends RowFigures {
  name: string;
  perSeed: SeedFinal[];
}

interface RecordedEvaluation extends Record<string, unknown> {
  steps: number;
  seeds: number[];
  optimizers: RecordedFigures[];
  adamGrid: (RecordedFigures & { learningRate: number })[];
}

/** An evaluation.json read for pooling, with the file it came from (for the errors). */
interface Part {
  file: string;
  recorded: RecordedEvaluation;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The first setting on which `part` differs from `first`, as a usage error, or none. */
function checkSettings(first: Part, part: Part, keys: readonly string[]): void {
  for (const key of keys)
    if (!same(first.recorded[key], part.recorded[key]))
      throw new UsageError(
        `--pool: ${part.file} has ${key} ${JSON.stringify(part.recorded[key] ?? null)}, ${first.file} ${JSON.stringify(first.recorded[key] ?? null)}; only runs of the same settings pool`,
      );
}

/**
 * One optimizer's figures over the seeds of every part, as `compareOptimizers` summarises one
 * run's: means and deviations over the seeds that did not diverge, in seed order; the time per
 * step weighted by the steps each part took.
 */
function pooledFigures(parts: readonly RecordedFigures[], steps: number): RowFigures {
  const perSeed = parts.flatMap((p) => p.perSeed).sort((a, b) => a.seed - b.seed);
  const finals = perSeed.filter((s) => s.divergedAt === undefined).map((s) => s.final);
  const taken = (p: RecordedFigures) => p.perSeed.reduce((n, s) => n + (s.divergedAt ?? steps), 0);
  const allSteps = parts.reduce((n, p) => n + taken(p), 0);
  return {
    finalTrainLoss: meanAndStd(finals.map((f) => f.trainLoss)),
    finalValAccuracy: meanAndStd(finals.map((f) => f.valAccuracy)),
    diverged: perSeed.length - finals.length,
    secondsPerStep: parts.reduce((s, p) => s + p.secondsPerStep * taken(p), 0) / allSteps,
  };
}

/** The learned optimizer's figures in a part. */
function learnedOf(part: Part): RecordedFigures {
  const learned = part.recorded.optimizers.find((o) => o.name === OPTIMIZER_LABELS.learned);
  if (!learned) throw new UsageError(`--pool: ${part.file} has no learned optimizer`);
  return learned;
}

/**
 * The parts a row pools: each once. A part whose seeds and learned finals are all another's is
 * a copy of that run (a suite directory extended with `--reuse` from copied runs holds such
 * copies) and is left out; seeds shared otherwise are refused.
 */
function distinctParts(parts: readonly Part[]): Part[] {
  const kept: Part[] = [];
  const seen = new Map<number, { file: string; final: string }>();
  for (const part of parts) {
    const finals = learnedOf(part).perSeed.map((s) => [s.seed, JSON.stringify(s)] as const);
    if (finals.every(([seed, final]) => seen.get(seed)?.final === final)) continue;
    for (const [seed, final] of finals) {
      const other = seen.get(seed);
      if (other !== undefined)
        throw new UsageError(
          `--pool: seed ${seed} is in both ${other.file} and ${part.file}, from different runs; pooled runs need disjoint seeds (--seed)`,
        );
      seen.set(seed, { file: part.file, final });
    }
    kept.push(part);
  }
  return kept;
}

/** A row's figures over the seeds of its parts: the learned optimizer's, and each Adam rate's. */
function pooledRow(problem: SuiteProblem, multiple: number, all: readonly Part[]): PooledRow {
  const [first] = all as [Part, ...Part[]];
  for (const part of all) checkSettings(first, part, UNIT_SETTINGS);
  const parts = distinctParts(all);
  const { steps } = first.recorded;
  const learned = pooledFigures(parts.map(learnedOf), steps);
  const adamGrid = first.recorded.adamGrid.map(({ learningRate }) => ({
    learningRate,
    ...pooledFigures(
      parts.map((part) => part.recorded.adamGrid.find((p) => p.learningRate === learningRate)!),
      steps,
    ),
  }));
  return {
    ...suiteRow({ ...problem, steps: steps / multiple }, learned, adamGrid, multiple),
    seeds: parts.reduce((n, p) => n + p.recorded.seeds.length, 0),
  };
}

/** An evaluation.json, or a usage error naming it when it is not one a run wrote. */
function readEvaluation(file: string): RecordedEvaluation {
  let recorded: RecordedEvaluation;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as RecordedEvaluation;
  } catch (error) {
    throw new UsageError(`--pool: ${file} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(recorded.seeds) || !Array.isArray(recorded.adamGrid))
    throw new UsageError(`--pool: ${file} is not an evaluation.json of pes evaluate-optimizer`);
  return recorded;
}

/** The runs of a problem in one suite directory: each multiple's directory, by its name. */
function unitsIn(dir: string, problem: SuiteProblem, atMultiples: boolean): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync(dir)) {
    const multiple = atMultiples
      ? /^(.+)-(\d+)x$/.exec(entry)?.filter((_, i) => i > 0)
      : [entry, '1'];
    if (!multiple || multiple[0] !== problem.name) continue;
    if (existsSync(join(dir, entry, 'evaluation.json')))
      found.set(Number(multiple[1]), join(dir, entry, 'evaluation.json'));
  }
  return found;
}

/**
 * The rows of a suite pooled over the seeds of several of its run directories: every problem
 * of the suite (or of `problems`) at every multiple any directory holds, in the suite's order,
 * each over the seeds of the directories that hold it. Refused, with the flag named, when the
 * runs differ in optimizer, grid, backend or a row's problem, or share a seed.
 */
export function pooledSuite(
  suiteName: string,
  dirs: readonly string[],
  problems: readonly string[] | undefined,
): { rows: PooledRow[]; record: SuiteRecord & { pooledFrom: string[] } } {
  const suite = SUITES[suiteName]!;
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new UsageError(`--pool: ${dir} does not exist`);
    if (!statSync(dir).isDirectory())
      throw new UsageError(`--pool: ${dir} is a file, not a suite's directory`);
  }
  const atMultiples = SUITES_AT_MULTIPLES.includes(suiteName);
  const rows: PooledRow[] = [];
  let reference: Part | undefined;
  for (const problem of suite.filter((p) => problems?.includes(p.name) ?? true)) {
    const byMultiple = new Map<number, Part[]>();
    for (const dir of dirs)
      for (const [multiple, file] of unitsIn(dir, problem, atMultiples)) {
        const part = { file, recorded: readEvaluation(file) };
        reference ??= part;
        checkSettings(reference, part, SUITE_SETTINGS);
        byMultiple.set(multiple, [...(byMultiple.get(multiple) ?? []), part]);
      }
    for (const multiple of [...byMultiple.keys()].sort((a, b) => a - b))
      rows.push(pooledRow(problem, multiple, byMultiple.get(multiple)!));
  }
  if (!reference)
    throw new UsageError(
      `--pool: no run of suite ${suiteName} in ${dirs.join(', ')} (a problem's directory with its evaluation.json)`,
    );
  const recorded = reference.recorded as RecordedEvaluation & {
    weights: string;
    backend: string;
    adamLearningRates: number[];
    normalized?: {
      widthScale?: { baseFanIn: number; power: number };
      depthScale?: { baseDepth: number; power: number };
    };
  };
  const { widthScale, depthScale } = recorded.normalized ?? {};
  const multiples = [...new Set(rows.map((r) => r.multiple))].sort((a, b) => a - b);
  return {
    rows,
    record: {
      weights: recorded.weights,
      suite: suiteName,
      backend: recorded.backend,
      seeds: Math.min(...rows.map((r) => r.seeds)),
      adamLearningRates: recorded.adamLearningRates,
      ...(atMultiples ? { multiples } : {}),
      ...(widthScale ? { widthScale } : {}),
      ...(depthScale ? { depthScale } : {}),
      pooledFrom: dirs.map((d) => resolve(d)),
    },
  };
}
