import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  checkDepthScale,
  checkWidthScale,
  episodeScheduleFromWeights,
  EVALUATION_TASKS,
  FAMILY_WIDTH_SCALE,
  FAMILY_WEIGHTS,
  NORMALIZED_WEIGHTS,
  thetaFromNormalizedWeights,
  stepKnobsFromWeights,
  SUITES,
  thetaFromWeights,
  type EpisodeSchedule,
  type DepthScale,
  type StepKnobs,
  type WidthScale,
} from '@pes/learned-opt';
import { loadLearnedOptimizerWeights } from '@pes/learned-opt/node';
import { UsageError } from '@pes/runner/node';

// The flags of `pes evaluate-optimizer` (commands/evaluate-optimizer.ts), checked, and the
// learned optimizer they name.

/**
 * `--weights shipped`: the normalised learned optimizer inside @pes/learned-opt (what
 * `familyLearnedOptimizer()` returns); `--weights shipped-mlp`: the MLP learned optimizer's.
 */
const SHIPPED = 'shipped';
const SHIPPED_MLP = 'shipped-mlp';

export interface EvaluateOptimizerOptions {
  weights?: string;
  task: string;
  /** A suite of problems (@pes/learned-opt's SUITES) instead of one task. */
  suite?: string;
  /** The suite's problems to run, comma-separated (default: all). */
  problems?: string;
  /** A suite's horizons as multiples of its 1× length (SUITES_AT_MULTIPLES only). */
  horizons?: number[];
  /** A suite's runs whose evaluation.json already has these settings are read, not rerun. */
  reuse?: boolean;
  /** A suite's 1× length in steps (default: its problems', LONGEST_TRAINED_HORIZON). */
  horizon?: number;
  /** Child processes a suite's runs spread over (default 1: in this process). */
  jobs?: number;
  out?: string;
  steps?: number;
  seeds: number;
  seed: number;
  arch?: string;
  batch?: number;
  dataDir?: string;
  adamLrs: number[];
  evalEvery?: number;
  trainRecords: number;
  /** Whether the learned optimizer's untrained start is trained too (`--no-untrained`). */
  untrained: boolean;
  /** Multiplies the learned optimizer's steps (its `stepScale` knob); default 1. */
  stepScale?: number;
  /** Replaces the weights' step-feature limit: a step count, or 'none' (never held). */
  stepFeatureLimit?: string;
  /** Adam's grid read from this earlier evaluation (a suite's: its directory) (adam-from.ts). */
  adamFrom?: string;
  /** The normalised learned optimizer's width scale: 'BASE,POWER', or 'none' (width-scale.ts). */
  widthScale?: string;
  /** Its depth scale: 'BASE,POWER', or 'none', the default (depth-scale.ts). */
  depthScale?: string;
  /** Suite directories of disjoint seeds, comma-separated, pooled into one summary (pool-seeds.ts). */
  pool?: string;
}

/** The flags that train, which `--pool` (it reads finished runs) refuses. */
const TRAINING_FLAGS = {
  weights: '--weights',
  reuse: '--reuse',
  jobs: '--jobs',
  adamFrom: '--adam-from',
  horizons: '--horizons',
  horizon: '--horizon',
  widthScale: '--width-scale',
  depthScale: '--depth-scale',
} as const;

/**
 * The learned optimizer evaluated: θ, where it came from, and how it steps: the MLP learned
 * optimizer's knobs, or the normalised one's schedule (`normalized`, from its weights file).
 */
export interface Weights {
  source: string;
  theta: Float64Array;
  knobs: StepKnobs;
  normalized?: EpisodeSchedule;
}

function loadWeights(weights: string): Weights {
  if (weights === SHIPPED) {
    const source = 'the shipped normalised weights';
    return {
      source,
      theta: thetaFromNormalizedWeights(NORMALIZED_WEIGHTS, source),
      knobs: {},
      // As familyLearnedOptimizer(): with the width scale it steps with by default.
      normalized: {
        ...episodeScheduleFromWeights(NORMALIZED_WEIGHTS, source),
        widthScale: FAMILY_WIDTH_SCALE,
      },
    };
  }
  if (weights === SHIPPED_MLP) {
    const source = 'the shipped MLP family weights';
    return {
      source,
      theta: thetaFromWeights(FAMILY_WEIGHTS, source),
      knobs: stepKnobsFromWeights(FAMILY_WEIGHTS, source),
    };
  }
  return { source: resolve(weights), ...loadLearnedOptimizerWeights(weights) };
}

/**
 * Checks the flags: a UsageError naming the flag at fault; the weights named (none with
 * `--pool`, which reads them from its runs) and `--out`.
 */
export function checkOptions(options: EvaluateOptimizerOptions): { weights: string; out: string } {
  if (options.pool !== undefined) {
    if (options.suite === undefined)
      throw new UsageError('--pool pools the runs of a suite: name it with --suite');
    for (const [key, flag] of Object.entries(TRAINING_FLAGS))
      if (
        options[key as keyof typeof TRAINING_FLAGS] !== undefined &&
        options[key as keyof typeof TRAINING_FLAGS] !== false
      )
        throw new UsageError(`${flag} trains; --pool reads finished runs and trains nothing`);
    if (options.pool.split(',').some((d) => d.trim() === ''))
      throw new UsageError(
        `--pool must be suite directories separated by commas, got ${options.pool}`,
      );
  } else if (!options.weights)
    throw new UsageError(
      `--weights FILE is required: a learned-optimizer.json from meta-train, '${SHIPPED}' or '${SHIPPED_MLP}'`,
    );
  if (!options.out)
    throw new UsageError('--out DIR is required: evaluation.json, table.md and the plot go there');
  if (options.suite !== undefined && !(options.suite in SUITES))
    throw new UsageError(
      `unknown suite '${options.suite}'; known suites: ${Object.keys(SUITES).join(', ')}`,
    );
  if (options.suite === undefined && !(options.task in EVALUATION_TASKS)) {
    throw new UsageError(
      `unknown task '${options.task}'; evaluate-optimizer trains ${Object.keys(EVALUATION_TASKS).join(', ')}`,
    );
  }
  const positive = (flag: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new UsageError(`${flag} must be a positive integer, got ${value}`);
  };
  positive('--steps', options.steps);
  positive('--seeds', options.seeds);
  positive('--batch', options.batch);
  positive('--eval-every', options.evalEvery);
  positive('--train-records', options.trainRecords);
  positive('--jobs', options.jobs);
  positive('--horizon', options.horizon);
  if (options.horizon !== undefined && options.suite === undefined)
    throw new UsageError('--horizon sets a suite’s 1× length; with --task, use --steps');
  if (options.horizons !== undefined) {
    if (options.suite === undefined)
      throw new UsageError('--horizons sets a suite’s lengths; with --task, use --steps');
    if (
      options.horizons.length === 0 ||
      !options.horizons.every((k) => Number.isInteger(k) && k >= 1)
    )
      throw new UsageError(
        `--horizons must be positive whole multiples separated by commas, got ${options.horizons.join(',')}`,
      );
  }
  if (options.reuse && options.suite === undefined)
    throw new UsageError('--reuse reads a suite’s finished runs; with one --task there is one run');
  if (options.jobs !== undefined && options.suite === undefined)
    throw new UsageError('--jobs spreads a suite’s runs; with one --task there is one run');
  if (!Number.isInteger(options.seed) || options.seed < 0)
    throw new UsageError(`--seed must be a non-negative integer, got ${options.seed}`);
  if (options.adamLrs.length === 0 || !options.adamLrs.every((lr) => lr > 0 && Number.isFinite(lr)))
    throw new UsageError(
      `--adam-lrs must be positive numbers separated by commas, got ${options.adamLrs.join(',')}`,
    );
  if (
    options.stepScale !== undefined &&
    !(options.stepScale > 0 && Number.isFinite(options.stepScale))
  )
    throw new UsageError(`--step-scale must be a positive number, got ${options.stepScale}`);
  const limit = options.stepFeatureLimit;
  if (limit !== undefined && limit !== 'none' && !(Number(limit) >= 1))
    throw new UsageError(`--step-feature-limit must be a step count ≥ 1 or 'none', got ${limit}`);
  const out = resolve(options.out);
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new UsageError(`--out ${options.out} is a file, not a directory`);
  return { weights: options.weights ?? '', out };
}

/** A 'BASE,POWER' flag as its two numbers, or a UsageError naming the flag (`what` the base). */
function scaleFlag<T>(
  name: string,
  what: string,
  flag: string,
  check: (base: number, power: number) => T,
): T {
  const parts = flag.split(',');
  try {
    if (parts.length !== 2 || parts.some((p) => p.trim() === ''))
      throw new RangeError('two numbers are needed');
    const [base, power] = parts.map(Number) as [number, number];
    return check(base, power);
  } catch (error) {
    throw new UsageError(
      `--${name} must be BASE,POWER (${what} and a power in (0, 1]) or none, got ${flag}: ${(error as Error).message}`,
    );
  }
}

/** `--width-scale BASE,POWER` as a width scale, 'none' as none, or a UsageError naming the flag. */
function widthScaleFlag(flag: string): WidthScale | undefined {
  if (flag === 'none') return undefined;
  return scaleFlag('width-scale', 'a fan-in ≥ 1', flag, (baseFanIn, power) =>
    checkWidthScale({ baseFanIn, power }),
  );
}

/** `--depth-scale BASE,POWER` as a depth scale, 'none' as none, or a UsageError naming the flag. */
function depthScaleFlag(flag: string): DepthScale | undefined {
  if (flag === 'none') return undefined;
  return scaleFlag(
    'depth-scale',
    'a whole number of weight tensors ≥ 1',
    flag,
    (baseDepth, power) => checkDepthScale({ baseDepth, power }),
  );
}

/**
 * The learned optimizer `--weights` names, with the knobs its weights record overridden by
 * `--step-scale` and `--step-feature-limit`, or the normalised one's width scale by
 * `--width-scale`.
 */
export function evaluatedWeights(weightsName: string, options: EvaluateOptimizerOptions): Weights {
  const loaded = loadWeights(weightsName);
  if (
    loaded.normalized &&
    (options.stepScale !== undefined || options.stepFeatureLimit !== undefined)
  )
    throw new UsageError(
      `--step-scale and --step-feature-limit are the MLP learned optimizer's knobs; ${weightsName} holds the normalised one, which steps at the schedule its file records`,
    );
  const knobs = { ...loaded.knobs };
  for (const [flag, value] of [
    ['--width-scale', options.widthScale],
    ['--depth-scale', options.depthScale],
  ] as const)
    if (value !== undefined && !loaded.normalized)
      throw new UsageError(
        `${flag} is the normalised learned optimizer's; ${weightsName} holds the MLP learned optimizer`,
      );
  if (loaded.normalized) {
    let normalized = loaded.normalized;
    if (options.widthScale !== undefined) {
      const { widthScale: _recorded, ...schedule } = normalized;
      const widthScale = widthScaleFlag(options.widthScale);
      normalized = { ...schedule, ...(widthScale ? { widthScale } : {}) };
    }
    const depthScale =
      options.depthScale === undefined ? undefined : depthScaleFlag(options.depthScale);
    return { ...loaded, normalized: { ...normalized, ...(depthScale ? { depthScale } : {}) } };
  }
  if (options.stepScale !== undefined) knobs.stepScale = options.stepScale;
  if (options.stepFeatureLimit === 'none') delete knobs.stepFeatureLimit;
  else if (options.stepFeatureLimit !== undefined)
    knobs.stepFeatureLimit = Number(options.stepFeatureLimit);
  return { ...loaded, knobs };
}
