import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';
import type { TopLevelSpec } from 'vega-lite';
import { readRun, resolveConfig, UsageError, writePlot } from '@pes/runner/node';
import { runChildren, type ChildRun } from './children.js';
import type { ExperimentIo } from './experiment-io.js';
import { meanAndStd } from '@pes/core';
import { formatMeanAndStd, formatNumber, markdownTable } from './methods.js';
import {
  BENCH,
  mnistConvProblem,
  tabularProblem,
  type TuningProblem,
} from './tune-comparison-problems.js';

export interface TuneComparisonOptions {
  seeds: number;
  /** A Python with jax, optuna and scikit-learn (tools/bench/requirements.txt). */
  python: string;
  /** Child processes at once (each splits its particles over one worker per core). */
  concurrency: number;
  /** A fraction of each problem's PES iterations (and so of every budget): 1 for the comparison. */
  scale: number;
}

export const TUNE_COMPARISON_DEFAULTS: TuneComparisonOptions = {
  seeds: 3,
  python: join(homedir(), '.cache/pes/jax-venv/bin/python'),
  concurrency: 1,
  scale: 1,
};

const PARTICLES = 8;
const UNROLL = 20;
/** What every method searches: a constant learning rate and momentum; PES and TES start poor. */
const SPACE = {
  learningRate: { range: [1e-4, 1], log: true, initial: 1e-3 },
  momentum: { range: [0, 0.99], initial: 0.5 },
};
const METHODS = [
  { name: 'PES', estimator: 'pes' },
  { name: 'truncated ES', estimator: 'tes' },
  { name: 'random search', estimator: 'random-search' },
] as const;

interface Outcome {
  problem: string;
  method: string;
  seed: number;
  budget: number;
  seconds: number;
  initialAccuracy?: number;
  valAccuracy: number;
  valLoss: number;
  hyperparameters?: unknown;
  curve: { innerSteps: number; valAccuracy: number }[];
}

/**
 * Issue 27's comparison: PES, truncated ES and random search (`pes tune` runs of model-tuning,
 * as child processes) and Optuna's TPE sampler (tools/bench/tune_optuna.py, JAX) tune the
 * learning rate and momentum of the same model on the same data with the same budget of inner
 * training steps, on a real table and on MNIST with a conv net, `seeds` seeds each. The result
 * is each method's validation accuracy after retraining from scratch with what it found.
 */
export async function tuneComparisonExperiment(
  out: string,
  options: TuneComparisonOptions,
  io: ExperimentIo,
): Promise<void> {
  if (!existsSync(options.python))
    throw new UsageError(
      `--python ${options.python} does not exist: python3 -m venv ~/.cache/pes/jax-venv && ~/.cache/pes/jax-venv/bin/pip install -r tools/bench/requirements.txt`,
    );
  const problems = [
    await tabularProblem(join(out, 'problems'), options.python),
    await mnistConvProblem(join(out, 'problems')),
  ];
  for (const problem of problems)
    problem.iterations = Math.max(4, 4 * Math.round((problem.iterations * options.scale) / 4));
  const seeds = Array.from({ length: options.seeds }, (_, i) => i);
  const jobs = problems.flatMap((problem) =>
    seeds.flatMap((seed) =>
      METHODS.map((method) => ({
        problem,
        method: method.name,
        seed,
        child: {
          command: 'meta-train',
          out: join(out, 'runs', `${problem.name}-${method.estimator}-seed${seed}`),
          config: resolveConfig({
            task: 'model-tuning',
            estimator: method.estimator,
            model: problem.model,
            train: problem.train,
            validation: problem.validation,
            label: problem.label,
            hyperparameters: JSON.stringify(SPACE),
            objective: 'val-loss',
            horizon: problem.horizon,
            batchSize: problem.batchSize,
            particles: PARTICLES,
            unrollLength: UNROLL,
            iterations: problem.iterations,
            evalEvery: Math.max(1, Math.round(problem.iterations / 4)),
            seed,
          }),
        } satisfies ChildRun,
      })),
    ),
  );
  io.out(
    `  ${jobs.length} pes runs as child processes, ${options.concurrency} at a time; logs in ${join(out, 'runs')}/*/log.txt`,
  );
  const started = Date.now();
  const statuses = await runChildren(
    jobs.map((j) => j.child),
    options.concurrency,
    io.pes,
    (i, status) =>
      io.out(
        `  ${status === 0 ? 'done' : `FAILED (${status})`}: ${jobs[i]!.problem.name} ${jobs[i]!.method} seed ${jobs[i]!.seed} (${Math.round((Date.now() - started) / 1000)} s)`,
      ),
  );
  const failed = jobs.filter((_, i) => statuses[i] !== 0);
  if (failed.length > 0)
    throw new UsageError(`runs failed: ${failed.map((j) => `${j.child.out}/log.txt`).join(', ')}`);
  const outcomes: Outcome[] = jobs.map((job) =>
    pesOutcome(job.problem, job.method, job.seed, job.child.out),
  );
  for (const problem of problems) {
    for (const seed of seeds) {
      const budget = problem.iterations * PARTICLES * UNROLL;
      outcomes.push(await optunaOutcome(problem, seed, budget, options.python));
      io.out(`  done: ${problem.name} Optuna TPE seed ${seed}`);
    }
  }
  const table = comparisonTable(problems, outcomes);
  const note = `Every method: the learning rate (log-uniform range [1e-4, 1]) and momentum ([0, 0.99]) of momentum SGD, constant over a training run, with the budget of inner steps that PES spends (iterations × ${PARTICLES} particles × K = ${UNROLL}). PES and truncated ES start from a learning rate of 1e-3 and momentum 0.5 and minimise the validation loss of a minibatch after each step; random search and Optuna's TPE judge whole training runs (the mean per-step validation loss; Optuna: the final validation loss). The figure is the validation accuracy of one training run from scratch with what each method found, mean ± sd over ${options.seeds} seeds.\n\n`;
  writeFileAtomic(
    join(out, 'results.json'),
    `${JSON.stringify({ options, problems, outcomes }, null, 1)}\n`,
  );
  writeFileAtomic(join(out, 'table.md'), note + table);
  await writePlot(out, 'tune-comparison', comparisonPlot(outcomes));
  io.out(`\n${note}${table}`);
}

/** A finished `pes tune` run: its retrained figures and its evaluations against inner steps. */
function pesOutcome(problem: TuningProblem, method: string, seed: number, dir: string): Outcome {
  const run = readRun(dir);
  const result = run.result!;
  const stepsAt = new Map(run.metrics.map((m) => [m.iteration as number, m.innerSteps as number]));
  const last = run.metrics.at(-1)!;
  return {
    problem: problem.name,
    method,
    seed,
    budget: last.innerSteps as number,
    seconds: last.elapsedSeconds as number,
    initialAccuracy: result.initial.valAccuracy as number,
    valAccuracy: result.final.valAccuracy as number,
    valLoss: result.final.valLoss as number,
    curve: result.history.map((h) => ({
      innerSteps: stepsAt.get(h.iteration as number) ?? 0,
      valAccuracy: h.valAccuracy as number,
    })),
  };
}

/** tools/bench/tune_optuna.py on the same problem, seed and budget. */
async function optunaOutcome(
  problem: TuningProblem,
  seed: number,
  budget: number,
  python: string,
): Promise<Outcome> {
  const args = [
    join(BENCH, 'tune_optuna.py'),
    '--model', problem.kind, '--train', problem.train, '--validation', problem.validation,
    '--horizon', String(problem.horizon), '--batch', String(problem.batchSize),
    '--budget', String(budget), '--seed', String(seed),
  ]; // prettier-ignore
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number>((r) => child.on('exit', (code) => r(code ?? 1)));
  if (status !== 0)
    throw new UsageError(
      `tune_optuna.py failed on ${problem.name}: ${stderr.trim().split('\n').at(-1)}`,
    );
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    budget: number;
    seconds: number;
    hyperparameters: unknown;
    final: { valAccuracy: number; valLoss: number };
    curve: { innerSteps: number; valAccuracy: number }[];
  };
  return {
    problem: problem.name,
    method: 'Optuna TPE',
    seed,
    budget: r.budget,
    seconds: r.seconds,
    valAccuracy: r.final.valAccuracy,
    valLoss: r.final.valLoss,
    hyperparameters: r.hyperparameters,
    curve: r.curve,
  };
}

function comparisonTable(problems: TuningProblem[], outcomes: Outcome[]): string {
  const rows: string[][] = [];
  for (const problem of problems) {
    for (const method of [...METHODS.map((m) => m.name), 'Optuna TPE']) {
      const mine = outcomes.filter((o) => o.problem === problem.name && o.method === method);
      rows.push([
        problem.name,
        method,
        String(mine[0]?.budget ?? ''),
        formatMeanAndStd(meanAndStd(mine.map((o) => o.valAccuracy))),
        formatMeanAndStd(meanAndStd(mine.map((o) => o.valLoss))),
        formatNumber(meanAndStd(mine.map((o) => o.seconds)).mean ?? NaN),
      ]);
    }
  }
  return markdownTable(
    ['problem', 'method', 'inner steps', 'val accuracy (retrained)', 'val loss', 'seconds'],
    rows,
  );
}

function comparisonPlot(outcomes: Outcome[]): TopLevelSpec {
  const points = outcomes.flatMap((o) =>
    o.curve.map((c) => ({ ...c, problem: o.problem, method: o.method, seed: o.seed })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values: points },
    facet: { column: { field: 'problem', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
    spec: {
      width: 300,
      height: 220,
      mark: { type: 'line', point: true, strokeWidth: 1 },
      encoding: {
        x: { field: 'innerSteps', type: 'quantitative', title: 'inner steps spent' },
        y: {
          field: 'valAccuracy',
          type: 'quantitative',
          title: 'val accuracy (retrained; Optuna: best trial so far)',
          scale: { zero: false },
        },
        color: { field: 'method', type: 'nominal' },
        detail: { field: 'seed', type: 'nominal' },
      },
    },
  } as TopLevelSpec;
}
