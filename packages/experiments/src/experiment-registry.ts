import { z } from 'zod';
import type { ExperimentIo } from './experiment-io.js';

const iterations = z
  .number()
  .int()
  .min(0)
  .describe('outer iterations per method')
  .meta({ valueName: 'I' });
const seed = z.number().int().describe('random seed').meta({ valueName: 'S' });
const evalEvery = z
  .number()
  .int()
  .min(0)
  .describe('evaluate every E iterations')
  .meta({ valueName: 'E' });
const resolution = (cells: number) =>
  z
    .number()
    .int()
    .min(2)
    .describe(`grid cells per axis of the meta-loss surface (default ${cells})`)
    .meta({ valueName: 'R' });

/**
 * One of the paper's comparisons as a registry entry: its options (the command line's flags and
 * help are derived from them) and the function that runs it into a directory. Each runner loads
 * its experiment's code only when called.
 */
export interface ExperimentEntry<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly description: string;
  readonly options: S;
  /** Lines of `--help` after the options: a typical command and how long it takes. */
  readonly example: string;
  /** Refuses settings before anything is written (beyond what the schema says). */
  check?(options: z.output<S>): Promise<void>;
  run(out: string, options: z.output<S>, io: ExperimentIo): Promise<void>;
}

function entry<S extends z.ZodObject>(e: ExperimentEntry<S>): ExperimentEntry {
  return e as unknown as ExperimentEntry;
}

/** Settings of meta-train runs an experiment starts, where the user overrides the task's. */
const runOverrides = (o: { iterations?: number; seed?: number; evalEvery?: number }) => ({
  ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
  ...(o.seed !== undefined ? { seed: o.seed } : {}),
  ...(o.evalEvery !== undefined ? { evalEvery: o.evalEvery } : {}),
});

export const experimentRegistry: readonly ExperimentEntry[] = [
  entry({
    name: 'influence-balancing',
    description:
      'TBPTT K=1,10,100, truncated ES, PES, UORO, RTRL on influence balancing (paper Fig. a)',
    options: z.strictObject({
      iterations: iterations.optional(),
      seed: seed.optional(),
      evalEvery: evalEvery.optional(),
    }),
    example: 'npx pes experiment influence-balancing --out runs/influence',
    async run(out, o, io) {
      const { influenceBalancingExperiment } = await import('./influence-balancing.js');
      await influenceBalancingExperiment(out, runOverrides(o), io);
    },
  }),
  entry({
    name: 'toy-regression',
    description:
      'TBPTT, RTRL, UORO, ES, truncated ES, PES on the toy meta-loss surface (paper Fig. b)',
    options: z.strictObject({
      iterations: iterations.optional(),
      seed: seed.optional(),
      evalEvery: evalEvery.optional(),
      resolution: resolution(100).default(100),
    }),
    example: 'npx pes experiment toy-regression --out runs/toy --iterations 3000 --resolution 60',
    async run(out, o, io) {
      const { toyRegressionExperiment } = await import('./toy-regression.js');
      await toyRegressionExperiment(out, runOverrides(o), o.resolution, io);
    },
  }),
  entry({
    name: 'variance',
    description:
      'PES and noise-reuse ES error against the number of unrolls, char-LSTM on text (paper f)',
    options: z.strictObject({
      text: z
        .string()
        .min(1)
        .describe('a text file (default ../shared/data/text/tinyshakespeare.txt)')
        .meta({ valueName: 'FILE' })
        .optional(),
      horizon: z
        .number()
        .int()
        .positive()
        .describe('characters T (default 1000)')
        .meta({ valueName: 'T' })
        .optional(),
      unroll: z
        .array(z.number())
        .describe('unroll lengths K, comma-separated divisors of T')
        .meta({ valueName: 'list' })
        .optional(),
      particles: z
        .number()
        .int()
        .positive()
        .describe('particles per estimate (default 100; the paper 1000)')
        .meta({ valueName: 'N' })
        .optional(),
      repeats: z
        .number()
        .int()
        .positive()
        .describe('repeats per K (default 10; the paper 50)')
        .meta({ valueName: 'R' })
        .optional(),
      referenceParticles: z
        .number()
        .int()
        .positive()
        .describe('particles of the ES reference (default 5000, as the paper)')
        .meta({ valueName: 'N' })
        .optional(),
      sigma: z.number().positive().describe('σ (default 1e-3)').meta({ valueName: 'S' }).optional(),
      seed: seed.optional(),
    }),
    example: 'npx pes experiment variance --out runs/variance --repeats 10',
    async check(o) {
      const { checkVarianceOptions } = await import('./variance.js');
      checkVarianceOptions(await varianceSettings(o));
    },
    async run(out, o, io) {
      const { varianceExperiment } = await import('./variance.js');
      await varianceExperiment(out, await varianceSettings(o), io);
    },
  }),
  entry({
    name: 'swimmer',
    description:
      'PES, truncated ES and full-episode ES on MuJoCo Swimmer against environment steps (paper e)',
    options: z.strictObject({
      iterations: iterations.optional(),
      seeds: z
        .number()
        .int()
        .positive()
        .describe('seeds per method (default 3; the paper 6)')
        .meta({ valueName: 'S' })
        .optional(),
    }),
    example: 'npx pes experiment swimmer --out runs/swimmer',
    async run(out, o, io) {
      const [{ SWIMMER_DEFAULTS, swimmerExperiment }, { loadSwimmerPhysics }] = await Promise.all([
        import('./swimmer.js'),
        import('@pes/inner-problems'),
      ]);
      await loadSwimmerPhysics();
      await swimmerExperiment(
        out,
        {
          ...SWIMMER_DEFAULTS,
          ...(o.seeds !== undefined ? { seeds: o.seeds } : {}),
          ...(o.iterations !== undefined ? { iterations: o.iterations } : {}),
        },
        io,
      );
    },
  }),
  entry({
    name: 'mnist-lr-schedule',
    description:
      'PES, truncated ES (K = 10, 100) and random search tuning an MNIST schedule (paper c)',
    options: z.strictObject({
      iterations: iterations.optional(),
      seed: seed.optional(),
      resolution: resolution(6).optional(),
      horizon: z
        .number()
        .int()
        .positive()
        .describe('inner steps of each run (default 1000)')
        .meta({ valueName: 'T' })
        .optional(),
    }),
    example:
      'npx pes experiment mnist-lr-schedule --out runs/mnist-hpo   # about 15 minutes on 2 cores',
    async run(out, o, io) {
      const [{ LR_SCHEDULE_DEFAULTS, lrScheduleExperiment }, { selectBackend }] = await Promise.all(
        [import('./lr-schedule.js'), import('@pes/runner/node')],
      );
      await selectBackend();
      await lrScheduleExperiment(out, { ...LR_SCHEDULE_DEFAULTS, ...definedOnly(o) }, io);
    },
  }),
  entry({
    name: 'learned-optimizer',
    description:
      'MLP learned optimizer meta-trained with PES and truncated ES on MNIST, then evaluated on fresh networks against Adam (paper d)',
    options: z.strictObject({
      iterations: iterations.optional(),
      seed: seed.optional(),
      evalEvery: evalEvery.optional(),
      horizon: z
        .number()
        .int()
        .positive()
        .describe('inner steps T (default 200)')
        .meta({ valueName: 'T' })
        .optional(),
      particles: z
        .number()
        .int()
        .positive()
        .describe('particles N (default 16)')
        .meta({ valueName: 'N' })
        .optional(),
      seeds: z
        .number()
        .int()
        .positive()
        .describe('fresh networks in the evaluation (default 5)')
        .meta({ valueName: 'S' })
        .optional(),
    }),
    example:
      'npx pes experiment learned-optimizer --out runs/lopt        # about 25 minutes on 2 cores',
    async run(out, o, io) {
      const { LEARNED_OPTIMIZER_DEFAULTS, learnedOptimizerExperiment } =
        await import('./learned-optimizer.js');
      await learnedOptimizerExperiment(
        out,
        { ...LEARNED_OPTIMIZER_DEFAULTS, ...definedOnly(o) },
        io,
      );
    },
  }),
  entry({
    name: 'tune-comparison',
    description:
      'PES, truncated ES, random search and Optuna TPE tune a model on the same budget (issue 27)',
    options: z.strictObject({
      seeds: z
        .number()
        .int()
        .min(1)
        .max(20)
        .describe('seeds per method and problem (default 3)')
        .meta({ valueName: 'S' })
        .optional(),
      python: z
        .string()
        .min(1)
        .describe('a Python with jax, optuna and scikit-learn (default ~/.cache/pes/jax-venv)')
        .meta({ valueName: 'PATH' })
        .optional(),
      scale: z
        .number()
        .positive()
        .max(10)
        .describe('a fraction of every budget, for a quick look (default 1)')
        .meta({ valueName: 'F' })
        .optional(),
    }),
    example:
      'npx pes experiment tune-comparison --out runs/tune-comparison   # about 15 minutes on 2 cores',
    async run(out, o, io) {
      const { TUNE_COMPARISON_DEFAULTS, tuneComparisonExperiment } =
        await import('./tune-comparison.js');
      await tuneComparisonExperiment(out, { ...TUNE_COMPARISON_DEFAULTS, ...definedOnly(o) }, io);
    },
  }),
];

/** The variance experiment's settings: its defaults under the options given. */
async function varianceSettings(o: {
  text?: string | undefined;
  horizon?: number | undefined;
  unroll?: number[] | undefined;
  particles?: number | undefined;
  repeats?: number | undefined;
  referenceParticles?: number | undefined;
  sigma?: number | undefined;
  seed?: number | undefined;
}) {
  const { VARIANCE_DEFAULTS } = await import('./variance.js');
  const { unroll, ...rest } = o;
  return {
    ...VARIANCE_DEFAULTS,
    ...definedOnly(rest),
    ...(unroll !== undefined ? { unrollLengths: unroll } : {}),
  };
}

/** The fields that are set: an unset option keeps the experiment's default. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function findExperiment(name: string): ExperimentEntry | undefined {
  return experimentRegistry.find((e) => e.name === name);
}
