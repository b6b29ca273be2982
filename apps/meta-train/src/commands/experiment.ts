import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { influenceBalancingExperiment } from '../experiments/influence-balancing.js';
import { toyRegressionExperiment } from '../experiments/toy-regression.js';
import type { Io } from './meta-train.js';

export const EXPERIMENTS = {
  'influence-balancing':
    'TBPTT K=1,10,100, truncated ES, PES, UORO, RTRL on influence balancing (paper Fig. a)',
  'toy-regression':
    'TBPTT, RTRL, UORO, ES, truncated ES, PES on the toy meta-loss surface (paper Fig. b)',
} as const;

export interface ExperimentOptions {
  out?: string;
  iterations?: number;
  seed?: number;
  evalEvery?: number;
  resolution: number;
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
  if (!Number.isInteger(options.resolution) || options.resolution < 2) {
    throw new UsageError(`--resolution must be an integer ≥ 2, got ${options.resolution}`);
  }
  const shared: Partial<RunConfig> = {};
  if (options.iterations !== undefined) shared.iterations = options.iterations;
  if (options.seed !== undefined) shared.seed = options.seed;
  if (options.evalEvery !== undefined) shared.evalEvery = options.evalEvery;
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
  else await toyRegressionExperiment(out, shared, options.resolution, io);
  return 0;
}
