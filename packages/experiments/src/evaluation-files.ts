import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';
import {
  BEST_ADAM_SELECTION,
  type OptimizerComparison,
  type OptimizerEvaluation,
} from '@pes/inner-problems';
import {
  EVALUATION_TASKS,
  rowName,
  suiteSummary,
  TUNED_ADAM_SELECTION,
  WITHIN_FACTOR,
  type EvaluationProblem,
  type LearnedOptimizerRole,
  type EpisodeSchedule,
  type StepKnobs,
  type SuiteRow,
} from '@pes/learned-opt';
import { formatMeanAndStd, formatNumber, markdownTable } from './methods.js';
import { curvesPlot } from './loss-curves-plot.js';
import { suiteRatioPlot } from './suite-ratio-plot.js';
import { type Io, writePlot } from '@pes/runner/node';

/** How the files name the two learned optimizers. */
export const OPTIMIZER_LABELS: Record<LearnedOptimizerRole, string> = {
  learned: 'learned optimizer',
  untrained: 'learned optimizer, untrained',
};

/** An evaluated optimizer under the name the table, evaluation.json and the plot give it. */
type Row = OptimizerEvaluation & { name: string };

/** What one problem's evaluation was: the weights, the problem and how it was trained. */
export interface ProblemRecord {
  weights: { source: string; knobs: StepKnobs; normalized?: EpisodeSchedule };
  problem: EvaluationProblem;
  /** The network in words, and an MLP's layer sizes. */
  network: { description: string; arch?: string };
  seeds: readonly number[];
  evalEvery: number;
  backend: string;
  adamLearningRates: readonly number[];
  /** The problem's name in the plot's title. */
  label: string;
  /** Where Adam's grid was read from (`--adam-from`), when it was not trained here. */
  adamFrom?: string;
}

/**
 * Writes one problem's evaluation.json, table.md and loss curves into `out`: the learned
 * optimizers and the best Adam of the grid (`BEST_ADAM_SELECTION`), then the rest of the grid.
 */
export async function writeProblemFiles(
  out: string,
  record: ProblemRecord,
  comparison: OptimizerComparison<LearnedOptimizerRole>,
  io: Io,
): Promise<void> {
  const { weights, problem, seeds } = record;
  const adam = comparison.adamGrid.map((point) => ({
    ...point,
    name: `Adam ${point.learningRate}`,
    best: point === comparison.bestAdam,
  }));
  const best = adam.find((r) => r.best);
  const chosen: Row[] = [
    { ...comparison.optimizers.learned, name: OPTIMIZER_LABELS.learned },
    ...(comparison.optimizers.untrained
      ? [{ ...comparison.optimizers.untrained, name: OPTIMIZER_LABELS.untrained }]
      : []),
    ...(best ? [{ ...best, name: `${best.name} (best of grid)` }] : []),
  ];
  const summary = (r: Row) => ({
    name: r.name,
    finalTrainLoss: r.finalTrainLoss,
    finalValLoss: r.finalValLoss,
    finalValAccuracy: r.finalValAccuracy,
    diverged: r.diverged,
    secondsPerStep: r.secondsPerStep,
    perSeed: r.runs.map((run) => ({
      seed: run.seed,
      final: run.final,
      ...(run.divergedAt !== undefined ? { divergedAt: run.divergedAt } : {}),
    })),
  });
  const table = markdownTable(
    ['optimizer', 'final train loss', 'final val loss', 'final val accuracy', 'diverged'],
    [...chosen, ...adam.filter((r) => r !== best)].map((r) => [
      r.name,
      formatMeanAndStd(r.finalTrainLoss),
      formatMeanAndStd(r.finalValLoss),
      formatMeanAndStd(r.finalValAccuracy),
      `${r.diverged}/${seeds.length}`,
    ]),
  );
  const { arch } = record.network;
  const evaluation = {
    weights: weights.source,
    stepFeatureLimit: weights.knobs.stepFeatureLimit ?? null,
    stepScale: weights.knobs.stepScale ?? 1,
    ...(weights.normalized ? { normalized: weights.normalized } : {}),
    task: problem.task,
    dataset: EVALUATION_TASKS[problem.task].dataset,
    network: record.network.description,
    ...(arch !== undefined ? { arch } : {}),
    batchSize: problem.batch,
    steps: problem.steps,
    seeds,
    evalEvery: record.evalEvery,
    trainRecords: comparison.trainRecords,
    validationRecords: comparison.validationRecords,
    backend: record.backend,
    selection: BEST_ADAM_SELECTION,
    adamLearningRates: record.adamLearningRates,
    optimizers: chosen.map(summary),
    adamGrid: adam.map((r) => ({ ...summary(r), learningRate: r.learningRate, best: r.best })),
    ...(record.adamFrom !== undefined ? { adamFrom: record.adamFrom } : {}),
    curves: Object.fromEntries(chosen.map((r) => [r.name, r.runs.map((run) => run.curve)])),
  };
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, 'evaluation.json'), `${JSON.stringify(evaluation, null, 1)}\n`);
  writeFileAtomic(join(out, 'table.md'), table);
  io.out(`\n${table}`);
  const plots = await writePlot(
    out,
    'loss-curves',
    curvesPlot(
      chosen.map((r) => ({ name: r.name, curves: r.runs.map((run) => run.curve) })),
      record.label,
    ),
  );
  io.out(
    `pes: wrote ${join(out, 'evaluation.json')}, table.md, ${plots.map((p) => p.split('/').at(-1)).join(', ')}`,
  );
}

/** A suite's row with the number of seeds behind its figures. */
export type PooledRow = SuiteRow & { seeds: number };

/** What a suite's summary records beside its rows. */
export interface SuiteRecord {
  weights: string;
  suite: string | undefined;
  backend: string;
  /** Seeds per optimizer: the fewest of any row (rows pooled from several runs can differ). */
  seeds: number;
  adamLearningRates: readonly number[];
  /** The horizons as multiples of the suite's 1× length, where it has them. */
  multiples?: readonly number[];
  /** The normalised learned optimizer's width scale, when the suite was run with one. */
  widthScale?: { baseFanIn: number; power: number };
  /** Its depth scale, when the suite was run with one. */
  depthScale?: { baseDepth: number; power: number };
  /** The suite directories whose runs were pooled over their seeds (`--pool`). */
  pooledFrom?: readonly string[];
}

const milliseconds = (seconds: number | null) =>
  seconds === null ? 'n/a' : (1000 * seconds).toPrecision(3);

/**
 * Writes a suite's summary.json and summary.md into `out`: each problem's row at each horizon
 * (`suiteRow`), the aggregates and the verdict on each target (`suiteSummary`).
 */
export async function writeSuiteSummary(
  out: string,
  record: SuiteRecord,
  rows: readonly PooledRow[],
  io: Io,
): Promise<void> {
  const several = new Set(rows.map((r) => r.multiple)).size > 1;
  const table = markdownTable(
    [
      'problem',
      'held out',
      'steps',
      'seeds',
      'learned: final train loss',
      'tuned Adam: final train loss',
      'ratio',
      `within ${WITHIN_FACTOR}×`,
      'learned: val accuracy',
      'tuned Adam: val accuracy',
      'ms/step learned',
      'ms/step Adam',
    ],
    rows.map((r) => [
      rowName(r, several),
      r.heldOut,
      String(r.steps),
      String(r.seeds),
      `${formatMeanAndStd(r.learned)}${r.learnedDiverged ? ` (${r.learnedDiverged} diverged)` : ''}`,
      r.tunedAdam ? `${formatMeanAndStd(r.tunedAdam)} (lr ${r.tunedAdamLearningRate})` : 'n/a',
      r.ratio === null ? 'n/a' : formatNumber(r.ratio),
      r.within ? 'yes' : '**no**',
      formatMeanAndStd(r.learnedAccuracy),
      r.tunedAdamAccuracy ? formatMeanAndStd(r.tunedAdamAccuracy) : 'n/a',
      milliseconds(r.learnedSecondsPerStep),
      milliseconds(r.adamSecondsPerStep),
    ]),
  );
  const summary = suiteSummary(rows);
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  const aggregates = `Over ${summary.ratios} rows with a ratio: geometric mean ${f(summary.geometricMean)}, interquartile mean ${f(summary.interquartileMean)}, worst ${summary.worst ? `${rowName(summary.worst, several)} ${f(summary.worst.ratio)}` : 'n/a'}; wall time per step ${f(summary.stepTimeRatio)}× the tuned Adam's (median over rows).`;
  const tuned = TUNED_ADAM_SELECTION;
  const { weights, suite, backend, seeds, adamLearningRates, multiples, widthScale, depthScale } =
    record;
  const { pooledFrom } = record;
  const mostSeeds = Math.max(...rows.map((r) => r.seeds));
  const seedsWords =
    mostSeeds === seeds
      ? `${seeds} seeds per optimizer`
      : `${seeds}–${mostSeeds} seeds per optimizer (each row's in its seeds column)`;
  const pooled = pooledFrom
    ? `\n\nEach row pools the seeds of its runs in ${pooledFrom.join(', ')}.`
    : '';
  const scales = [
    ...(widthScale
      ? [`width scale (base fan-in ${widthScale.baseFanIn}, power ${widthScale.power})`]
      : []),
    ...(depthScale
      ? [`depth scale (base depth ${depthScale.baseDepth}, power ${depthScale.power})`]
      : []),
  ];
  const scaled = scales.length ? `; the learned optimizer with ${scales.join(' and ')}` : '';
  const { verdict: _verdict, ...figures } = summary;
  mkdirSync(out, { recursive: true });
  writeFileAtomic(
    join(out, 'summary.json'),
    `${JSON.stringify({ weights, suite, backend, seeds, adamLearningRates, ...(multiples ? { multiples } : {}), ...(widthScale ? { widthScale } : {}), ...(depthScale ? { depthScale } : {}), ...(pooledFrom ? { pooledFrom } : {}), tuned, rows, ...figures, verdict: summary.verdict }, null, 1)}\n`,
  );
  writeFileAtomic(
    join(out, 'summary.md'),
    `${table}\n${seedsWords}; ${tuned} (${adamLearningRates.join(', ')}); ${backend} backend${scaled}.${pooled}\n\n${aggregates}\n\n${summary.verdict.map((v) => `- ${v}`).join('\n')}\n`,
  );
  const title = `${suite ?? 'suite'}: the learned optimizer against the tuned Adam`;
  await writePlot(out, 'ratios', suiteRatioPlot(rows, title));
  io.out(`\n${table}\n${aggregates}\n${summary.verdict.join('\n')}`);
  io.out(
    `pes: wrote ${join(out, 'summary.md')}, summary.json, ratios.svg/png${pooledFrom ? '' : ' and one directory per problem'}`,
  );
}
