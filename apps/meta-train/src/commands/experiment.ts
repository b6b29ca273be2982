import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { selectBackend } from '../backend.js';
import { influenceBalancingExperiment } from '../experiments/influence-balancing.js';
import { LR_SCHEDULE_DEFAULTS, lrScheduleExperiment } from '../experiments/lr-schedule.js';
import { toyRegressionExperiment } from '../experiments/toy-regression.js';
import {
  LEARNED_OPTIMIZER_DEFAULTS,
  learnedOptimizerExperiment,
} from '../experiments/learned-optimizer.js';
import { SWIMMER_DEFAULTS, swimmerExperiment } from '../experiments/swimmer.js';
import { findTaskSpec } from '../registry.js';
import {
  VARIANCE_DEFAULTS,
  checkVarianceOptions,
  varianceExperiment,
} from '../experiments/variance.js';
import type { Io } from './meta-train.js';

export const EXPERIMENTS = {
  'influence-balancing':
    'TBPTT K=1,10,100, truncated ES, PES, UORO, RTRL on influence balancing (paper Fig. a)',
  'toy-regression':
    'TBPTT, RTRL, UORO, ES, truncated ES, PES on the toy meta-loss surface (paper Fig. b)',
  variance:
    'PES and noise-reuse ES error against the number of unrolls, char-LSTM on text (paper f)',
  swimmer:
    'PES, truncated ES and full-episode ES on MuJoCo Swimmer against environment steps (paper e)',
  'mnist-lr-schedule':
    'PES, truncated ES (K = 10, 100) and random search tuning an MNIST schedule (paper c)',
  'learned-optimizer':
    'MLP learned optimizer meta-trained with PES and truncated ES on MNIST, then evaluated on fresh networks against Adam (paper d)',
} as const;

export interface ExperimentOptions {
  out?: string;
  iterations?: number;
  seed?: number;
  evalEvery?: number;
  resolution?: number;
  horizon?: number;
  text?: string;
  unroll?: number[];
  particles?: number;
  repeats?: number;
  referenceParticles?: number;
  sigma?: number;
  seeds?: number;
}

export async function experiment(
  name: string,
  options: ExperimentOptions,
  io: Io,
): Promise<number> {
  if (!(name in EXPERIMENTS)) {
    throw new UsageError(
      `unknown experiment '${name}'; known experiments: ${Object.keys(EXPERIMENTS).join(', ')}`,
    );
  }
  if (!options.out)
    throw new UsageError(
      '--out DIR is required: the experiment writes results.json, table.md and plots there',
    );
  if (
    options.resolution !== undefined &&
    (!Number.isInteger(options.resolution) || options.resolution < 2)
  ) {
    throw new UsageError(`--resolution must be an integer ≥ 2, got ${options.resolution}`);
  }
  const shared: Partial<RunConfig> = {};
  if (options.iterations !== undefined) shared.iterations = options.iterations;
  if (options.seed !== undefined) shared.seed = options.seed;
  if (options.evalEvery !== undefined) shared.evalEvery = options.evalEvery;
  if (name === 'variance') checkVarianceOptions(varianceOptions(options));
  const out = resolve(options.out);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `cannot create output directory ${out}: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  io.out(`pes: experiment ${name} → ${out}`);
  if (name === 'influence-balancing') await influenceBalancingExperiment(out, shared, io);
  else if (name === 'toy-regression')
    await toyRegressionExperiment(out, shared, options.resolution ?? 100, io);
  else if (name === 'swimmer') {
    await findTaskSpec('swimmer').prepare?.();
    await swimmerExperiment(
      out,
      {
        ...SWIMMER_DEFAULTS,
        ...(options.seeds !== undefined ? { seeds: options.seeds } : {}),
        ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
      },
      io,
    );
  } else if (name === 'variance')
    await varianceExperiment(
      out,
      {
        ...varianceOptions(options),
        ...(options.text !== undefined ? { text: options.text } : {}),
      },
      io,
    );
  else if (name === 'learned-optimizer') {
    await learnedOptimizerExperiment(
      out,
      {
        ...LEARNED_OPTIMIZER_DEFAULTS,
        ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.evalEvery !== undefined ? { evalEvery: options.evalEvery } : {}),
        ...(options.horizon !== undefined ? { horizon: options.horizon } : {}),
        ...(options.particles !== undefined ? { particles: options.particles } : {}),
        ...(options.seeds !== undefined ? { seeds: options.seeds } : {}),
      },
      io,
    );
  } else {
    await selectBackend();
    await lrScheduleExperiment(
      out,
      {
        ...LR_SCHEDULE_DEFAULTS,
        ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.resolution !== undefined ? { resolution: options.resolution } : {}),
        ...(options.horizon !== undefined ? { horizon: options.horizon } : {}),
      },
      io,
    );
  }
  return 0;
}

/** The variance experiment's settings: its defaults under the flags given. */
function varianceOptions(options: ExperimentOptions) {
  return {
    ...VARIANCE_DEFAULTS,
    ...(options.horizon !== undefined ? { horizon: options.horizon } : {}),
    ...(options.unroll !== undefined ? { unrollLengths: options.unroll } : {}),
    ...(options.particles !== undefined ? { particles: options.particles } : {}),
    ...(options.repeats !== undefined ? { repeats: options.repeats } : {}),
    ...(options.referenceParticles !== undefined
      ? { referenceParticles: options.referenceParticles }
      : {}),
    ...(options.sigma !== undefined ? { sigma: options.sigma } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
}
