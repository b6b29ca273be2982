import { z } from 'zod';
import { DATASETS } from '@pes/inner-problems/tasks';
import { defineCommand, switchFlag, textFlag } from '../command-line.js';
import { UsageError } from '../errors.js';
import type { Io } from '@pes/runner/node';

const ISOLATIONS = ['threads', 'processes', 'auto'] as const;

/** A comma-separated list of shard isolations (threads, processes, auto). */
function isolationList(value: string): (typeof ISOLATIONS)[number][] {
  return value.split(',').map((v) => {
    const isolation = ISOLATIONS.find((i) => i === v.trim());
    if (!isolation)
      throw new UsageError(`--isolation: '${v.trim()}' is not threads, processes or auto`);
    return isolation;
  });
}

const benchOptions = z.strictObject({
  task: textFlag(
    'scaling: the task whose meta-training is timed (its own settings); backends: tasks, comma-separated (default every tensor task)',
    'name',
  ),
  workers: z
    .array(z.number())
    .optional()
    .describe('scaling: worker counts, comma-separated (default 1,2)')
    .meta({ valueName: 'list' }),
  iterations: z
    .number()
    .int()
    .optional()
    .describe('scaling, backends: outer iterations per timed repeat (default 3)')
    .meta({ valueName: 'I' }),
  horizon: z
    .number()
    .int()
    .optional()
    .describe("scaling: the task's episode length (its initial evaluation is one episode)")
    .meta({ valueName: 'T' }),
  repeats: z
    .number()
    .int()
    .default(5)
    .describe('timed repeats, interleaved across variants')
    .meta({ valueName: 'R' }),
  compareNumpy: switchFlag('also time the same computation in numpy (needs python3 with numpy)'),
  compareJax: switchFlag(
    'scaling (mnist-lr-schedule): also time the same iteration in JAX, on one core and on all (tools/bench/requirements.txt)',
  ),
  dataset: z.enum(DATASETS).default('mnist').describe('inner-step: dataset'),
  dataDir: textFlag(
    "inner-step, scaling: directory of the official dataset files; backends: CIFAR-10's, for the tasks on it (MNIST's keep their embedded digits)",
    'DIR',
  ),
  arch: textFlag(
    "inner-step, lopt-update, model-tuning: MLP layer sizes (default 784-100-100-10; lopt-update: 784-32-10, lopt-mnist's; model-tuning: 784-100-10, or conv for tune-comparison's conv net)",
    'sizes',
  ),
  batch: z
    .number()
    .int()
    .optional()
    .describe(
      'inner-step, lopt-update, model-tuning: minibatch size (default 100; lopt-update: 32; model-tuning: 64)',
    )
    .meta({ valueName: 'B' }),
  particles: textFlag(
    'inner-step, model-tuning: particle counts, comma-separated (default 8,32,128; model-tuning: 8,32); lopt-update: one count (default 8)',
    'list',
  ),
  memory: z
    .boolean()
    .default(true)
    .describe('inner-step: skip the PES memory measurement at T = 100 and 5,000')
    .meta({ negate: true }),
  json: switchFlag('inner-step, scaling, backends: print one JSON object'),
  isolation: textFlag(
    'scaling: threads, processes, auto or a list (each worker count with each, interleaved; default auto, as meta-train)',
    'list',
  ),
  redis: textFlag(
    "scaling: shard over pes workers attached through Redis, and print Redis's cost per iteration",
    'URL',
  ),
  spawn: switchFlag(
    'scaling with --redis: start the pes workers on this machine (as many as the variants need together)',
  ),
});

type BenchOptions = z.output<typeof benchOptions>;
type BenchName =
  'influence-balancing' | 'inner-step' | 'lopt-update' | 'model-tuning' | 'scaling' | 'backends';

/** Each benchmark from the shared flags it reads; its implementation is imported when it runs. */
const BENCHMARKS: Record<BenchName, (options: BenchOptions, io: Io) => Promise<number>> = {
  async 'influence-balancing'(o, io) {
    const { bench } = await import('./bench.js');
    return bench({ repeats: o.repeats, compareNumpy: o.compareNumpy }, io);
  },
  async 'inner-step'(o, io) {
    const { benchInnerStep } = await import('./bench-inner-step.js');
    return benchInnerStep(
      {
        ...dataOf(o),
        arch: o.arch ?? '784-100-100-10',
        batch: o.batch ?? 100,
        particles: (o.particles ?? '8,32,128').split(',').map(Number),
        repeats: o.repeats,
        json: o.json,
        compareNumpy: o.compareNumpy,
        memory: o.memory,
      },
      io,
    );
  },
  async 'lopt-update'(o, io) {
    const { benchLoptUpdate } = await import('./bench-lopt-update.js');
    return benchLoptUpdate(
      {
        ...dataOf(o),
        arch: o.arch ?? '784-32-10',
        batch: o.batch ?? 32,
        particles: Number(o.particles ?? 8),
        repeats: o.repeats,
        json: o.json,
      },
      io,
    );
  },
  async 'model-tuning'(o, io) {
    const { benchModelTuning } = await import('@pes/experiments/node');
    return benchModelTuning(
      {
        arch: o.arch ?? '784-100-10',
        batch: o.batch ?? 64,
        particles: (o.particles ?? '8,32').split(',').map(Number),
        repeats: o.repeats,
        json: o.json,
      },
      io,
    );
  },
  async scaling(o, io) {
    if (o.task === undefined) throw new UsageError('bench scaling needs --task');
    const { benchScaling } = await import('./bench-scaling.js');
    return benchScaling(
      {
        task: o.task,
        workers: o.workers ?? [1, 2],
        repeats: o.repeats,
        iterations: o.iterations ?? 3,
        ...(o.particles !== undefined ? { particles: Number(o.particles) } : {}),
        ...(o.horizon !== undefined ? { horizon: o.horizon } : {}),
        ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
        ...(o.redis !== undefined
          ? { redis: (await import('@pes/cluster/node')).parseRedisUrl(o.redis) }
          : {}),
        spawn: o.spawn,
        compareJax: o.compareJax,
        ...(o.isolation !== undefined ? { isolations: isolationList(o.isolation) } : {}),
        json: o.json,
      },
      io,
    );
  },
  async backends(o, io) {
    const { benchBackends } = await import('./bench-backends.js');
    return benchBackends(
      {
        ...(o.task !== undefined ? { tasks: o.task.split(',') } : {}),
        ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
        repeats: o.repeats,
        iterations: o.iterations ?? 3,
        json: o.json,
      },
      io,
    );
  },
};

const dataOf = (o: BenchOptions) => ({
  dataset: o.dataset,
  ...(o.dataDir ? { dataDir: o.dataDir } : {}),
});

const isBenchName = (name: string): name is BenchName => Object.hasOwn(BENCHMARKS, name);

/** `pes bench NAME`: time a hot path and print medians. */
export const benchCommand = defineCommand({
  name: 'bench',
  description:
    'time a hot path and print medians: influence-balancing (the paper PES run), inner-step, lopt-update, model-tuning, scaling or backends',
  arguments: [
    ['<name>', 'influence-balancing, inner-step, lopt-update, model-tuning, scaling or backends'],
  ],
  options: benchOptions,
  async action([name], options, io) {
    if (!isBenchName(name!))
      throw new UsageError(
        `unknown benchmark '${name}'; known benchmarks: ${Object.keys(BENCHMARKS).join(', ')}`,
      );
    return BENCHMARKS[name](options, io);
  },
});
