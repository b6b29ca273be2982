import { z } from 'zod';

/**
 * Every setting of a meta-training run that does not belong to one task: the estimator, its
 * noise, the outer optimizer, the loop. A task's own options (its dataset, its network, its
 * schedule) are declared by the task and merged over these (see `TaskSpec.options`).
 *
 * Each field's description and `meta` (`flag`, `valueName`, `negate`) are what the command line,
 * `--help`, config-file validation and the playground's forms are derived from.
 */
export const runSettingsSchema = z.strictObject({
  estimator: z
    .string()
    .min(1)
    .describe('gradient estimator (pes list)')
    .meta({ valueName: 'name' }),
  unrollLength: z
    .number()
    .int()
    .positive()
    // Losses and done flags are particles × K per unroll: bound K so that they fit in memory.
    .max(1_000_000, 'at most 1,000,000 inner steps per unroll (losses are kept for each step)')
    .describe('inner steps per truncated unroll')
    .meta({ flag: 'unroll', valueName: 'K' }),
  particles: z
    .number()
    .int()
    .positive()
    // Every particle keeps an inner state (a network, a simulator); the paper's largest N is 1,000.
    .max(100_000, 'at most 100,000 particles (each keeps its own inner state in memory)')
    .describe('particles per estimate (even with antithetic pairs)')
    .meta({ valueName: 'N' }),
  sigma: z
    .number()
    .positive()
    // θ ± σε must stay meaningful where tasks compute in float32 (whose range ends near 3e38).
    .max(1e6, 'at most 1e6 (a perturbation that large leaves every task’s θ range)')
    .describe('standard deviation of the perturbations')
    .meta({ valueName: 'S' }),
  antithetic: z
    .boolean()
    .describe('one-sided perturbations instead of antithetic pairs')
    .meta({ negate: true }),
  stagger: z.boolean().describe('start every particle at inner step 0').meta({ negate: true }),
  fitnessShaping: z
    .boolean()
    .describe(
      'standardise the particle objectives (divide by their spread; one-sided: centre first)',
    ),
  outerOptimizer: z.enum(['sgd', 'momentum', 'adam']).describe('outer optimizer'),
  outerLr: z
    .number()
    .positive()
    // One update moves θ by up to outerLr × the gradient (Adam: by outerLr itself).
    .max(1e6, 'at most 1e6 (a step that large leaves every task’s θ range)')
    .describe('outer learning rate')
    .meta({ valueName: 'LR' }),
  adamB1: z.number().min(0).lt(1).describe("Adam's β1").meta({ valueName: 'B1' }),
  adamB2: z.number().min(0).lt(1).describe("Adam's β2").meta({ valueName: 'B2' }),
  momentum: z
    .number()
    .min(0)
    .lt(1)
    .describe('momentum of the outer momentum optimizer')
    .meta({ valueName: 'M' }),
  clipNorm: z
    .number()
    .min(0)
    // No float32 gradient has a larger norm: a larger bound clips nothing (0 says that).
    .max(3e38, 'at most 3e38 (no larger norm exists in float32; 0 turns clipping off)')
    .describe('clip the meta-gradient to this global norm (0: off)')
    .meta({ valueName: 'C' }),
  iterations: z
    .number()
    .int()
    .min(0)
    // The iteration's key is foldIn(seed, i) over 32-bit integers.
    .max(2 ** 31 - 1, 'at most 2^31 − 1 iterations (iteration keys are 32-bit)')
    .describe('outer iterations')
    .meta({ valueName: 'I' }),
  evalEvery: z
    .number()
    .int()
    .min(0)
    // An iteration count, as --iterations.
    .max(2 ** 31 - 1, 'at most 2^31 − 1 iterations (iteration counts are 32-bit)')
    .describe('evaluate θ every E iterations (0: start and end only)')
    .meta({ valueName: 'E' }),
  checkpointEvery: z
    .number()
    .int()
    .min(0)
    // An iteration count, as --iterations.
    .max(2 ** 31 - 1, 'at most 2^31 − 1 iterations (iteration counts are 32-bit)')
    .describe('write a checkpoint every N iterations')
    .meta({ valueName: 'N' }),
  checkpointSeconds: z
    .number()
    .min(0)
    // Longer than a year is no checkpointing by time: 0 says so.
    .max(31_536_000, 'at most 31,536,000 seconds, a year (0 turns it off)')
    .describe('also checkpoint every S seconds (0: off)')
    .meta({ valueName: 'S' })
    // Runs written before this setting existed read as 0.
    .default(0),
  seed: z
    .number()
    .int()
    // The root key is drawn from the seed's 32 bits: a larger seed would repeat a smaller one's run.
    .min(-(2 ** 31), 'at least −2^31 (seeds are 32-bit)')
    .max(2 ** 31 - 1, 'at most 2^31 − 1 (seeds are 32-bit)')
    .describe('random seed')
    .meta({ valueName: 'S' }),
});

export type RunSettings = z.infer<typeof runSettingsSchema>;
export type OuterOptimizerName = RunSettings['outerOptimizer'];

/**
 * The shared base every task's defaults override: what most of the paper's setups use. A task
 * states only where it differs.
 */
export const baseRunSettings: RunSettings = {
  estimator: 'pes',
  unrollLength: 10,
  particles: 8,
  sigma: 0.1,
  antithetic: true,
  stagger: true,
  fitnessShaping: false,
  outerOptimizer: 'adam',
  outerLr: 0.01,
  adamB1: 0.9,
  adamB2: 0.999,
  momentum: 0.9,
  clipNorm: 0,
  iterations: 100,
  evalEvery: 25,
  checkpointEvery: 10,
  checkpointSeconds: 0,
  seed: 0,
};

/** The episode length T, an option of every task whose episodes end. */
export const horizonOption = z
  .number()
  .int()
  .positive()
  // Step counters are 32-bit integers.
  .max(2 ** 31 - 1, 'at most 2^31 − 1 steps (step counters are 32-bit)')
  .describe('inner steps per episode')
  .meta({ valueName: 'T' });
