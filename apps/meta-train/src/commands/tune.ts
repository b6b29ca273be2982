import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveTaskOptions } from '@pes/core';
import {
  modelTuningTaskFromFiles,
  readSearchSpace,
  modelTuningTaskSpec,
  type ResolvedModelTuningOptions,
} from '@pes/hpo/node';
import { readRun, selectBackend, type Io } from '@pes/runner/node';
import { inWords } from '../figure-words.js';
import { metaTrain, type MetaTrainFlags } from './meta-train.js';
import { PLACEMENT_FLAGS } from './placement.js';
import type { TuneFlags } from './tune-options.js';

/** The run directory's own flags and the placement's: everything else is a run setting. */
const RUN_FLAGS = new Set(['out', 'overwrite', 'resume', ...PLACEMENT_FLAGS]);
/** The options that name files: made absolute, so that every worker reads the same file. */
const PATHS = ['model', 'train', 'validation', 'dataDir'];

/**
 * `pes tune`: checks the model, the data and the search space against each other (one line,
 * exit 2, before any run directory exists), meta-trains θ of `model-tuning` as `pes meta-train`
 * would, then says what retraining the model from scratch gives before and after tuning.
 */
export async function tune(flags: TuneFlags, io: Io): Promise<number> {
  const settings: Record<string, unknown> = {};
  const placement: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    if (RUN_FLAGS.has(field)) placement[field] = value;
    else settings[field] = PATHS.includes(field) ? resolve(value as string) : value;
  }
  if (placement.redis === 'env') placement.redis = true;
  if (flags.resume === undefined) {
    await checkInputs(settings);
    // The run records the search space itself, not the file's path: a resumed run and every
    // worker read the space it started with.
    if (typeof settings.hyperparameters === 'string')
      settings.hyperparameters = JSON.stringify(readSearchSpace(settings.hyperparameters).space);
  }
  const out =
    flags.resume ??
    flags.out ??
    `runs/tune-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
  const given = new Set([...Object.keys(settings), ...Object.keys(placement)]);
  const status = await metaTrain(
    {
      ...settings,
      ...placement,
      ...(flags.resume === undefined ? { task: modelTuningTaskSpec.name, out } : {}),
      overwrite: flags.overwrite,
    } as MetaTrainFlags,
    given,
    io,
  );
  if (status === 0) for (const line of retrained(out)) io.out(line);
  return status;
}

/** The task built once from the flags and closed: its files' problems are one line each. */
async function checkInputs(settings: Record<string, unknown>): Promise<void> {
  let options: ResolvedModelTuningOptions;
  try {
    options = resolveTaskOptions(modelTuningTaskSpec, settings) as ResolvedModelTuningOptions;
  } catch {
    return; // meta-train names a bad setting in its own words
  }
  // The backend the run will use, chosen now (as meta-train would) so the check runs on it.
  await selectBackend({ requested: options.backend ?? 'auto' });
  const task = await modelTuningTaskFromFiles(options);
  task.close!();
}

/** Before and after: whole training runs from scratch at the initial and at the tuned θ. */
function retrained(dir: string): string[] {
  const run = readRun(dir);
  if (!run.result) return [];
  const { initial, final } = run.result;
  const lines = [
    `the model retrained from scratch for ${String(run.config.horizon)} steps, at the initial → the tuned hyperparameters:`,
  ];
  for (const key of ['valAccuracy', 'valLoss']) {
    const [a, b] = [initial[key], final[key]];
    if (typeof a === 'number' && typeof b === 'number')
      lines.push(`  ${inWords(key).padEnd(19)}${a.toPrecision(5)} → ${b.toPrecision(5)}`);
  }
  const file = join(run.dir, 'hyperparameters.json');
  if (existsSync(file)) {
    const { tuned } = JSON.parse(readFileSync(file, 'utf8')) as { tuned: Record<string, unknown> };
    lines.push('tuned hyperparameters:');
    for (const [name, value] of Object.entries(tuned))
      lines.push(`  ${name.padEnd(19)}${say(value)}`);
  }
  return lines;
}

/** A tuned value in a line: a number, per-layer numbers, or a schedule's values over training. */
function say(value: unknown): string {
  const n = (x: number) => x.toPrecision(4);
  if (typeof value === 'number') return n(value);
  const v = value as { schedule?: string; values?: { step: number; value: number }[] };
  if (v.schedule && v.values)
    return `${v.schedule}: ${v.values.map((p) => `${n(p.value)} at step ${p.step}`).join(', ')}`;
  return Object.entries(value as Record<string, number>)
    .map(([layer, x]) => `${layer} ${n(x)}`)
    .join(', ');
}
