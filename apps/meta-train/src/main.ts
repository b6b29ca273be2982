import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { OptionDescription } from '@pes/core';
import type { EvaluateOptimizerOptions } from './commands/evaluate-optimizer.js';
import type { MetaTrainFlags } from './commands/meta-train.js';
import type { Io } from './io.js';
import type { VarianceCommandOptions } from './commands/variance.js';
import { EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, UsageError } from './errors.js';
import { readStructuredFile } from './config-file.js';
import { experimentRegistry } from './experiments/experiment-registry.js';
import { baseRunSettings, describeOptions } from '@pes/core';
import { methods, runOptions, taskSpecs, type RunOption } from './catalog.js';
import { DATASETS } from '@pes/inner-problems/tasks';

// Every command's implementation is imported when that command runs: `pes --help`, `pes list`
// and a refused flag load no tensor library, simulator or plotting stack.

const number = (value: string): number => {
  const x = Number(value);
  if (value.trim() === '' || Number.isNaN(x)) throw new InvalidArgumentError('expected a number.');
  if (!Number.isFinite(x)) throw new InvalidArgumentError('expected a finite number.');
  return x;
};
const integer = (value: string): number => {
  const x = number(value);
  if (!Number.isInteger(x)) throw new InvalidArgumentError('expected an integer.');
  return x;
};

const numberList = (value: string): number[] => value.split(',').map((v) => number(v.trim()));

/** A comma-separated list of shard isolations (threads, processes). */
function isolationList(value: string): ('threads' | 'processes' | 'auto')[] {
  const list = value.split(',').map((v) => v.trim());
  for (const v of list)
    if (v !== 'threads' && v !== 'processes' && v !== 'auto')
      throw new UsageError(`--isolation: '${v}' is not threads, processes or auto`);
  return list as ('threads' | 'processes' | 'auto')[];
}

/** Parses a flag's value by the kind its schema declares. */
const parserOf = (kind: OptionDescription['kind']) =>
  kind === 'integer'
    ? integer
    : kind === 'number'
      ? number
      : kind === 'number-list'
        ? numberList
        : kind === 'object'
          ? (file: string) => readStructuredFile(file)
          : undefined;

/** The help line of a setting: its description, its choices, the tasks that read it. */
function helpOf(option: OptionDescription & { tasks?: readonly string[] }): string {
  const choices = option.choices ? ` (${option.choices.join(', ')})` : '';
  const tasks = option.tasks?.length ? ` [${option.tasks.join(', ')}]` : '';
  return `${option.description}${choices}${tasks}`;
}

/**
 * Adds one commander option per setting (and one per alias), and returns the map from
 * commander's attribute names back to the settings' fields.
 */
function addSettings(
  command: Command,
  options: readonly (OptionDescription & { tasks?: readonly string[] })[],
) {
  const fieldOf = new Map<string, string>();
  for (const option of options) {
    const flags = [option.flag, ...option.aliases];
    for (const [index, flag] of flags.entries()) {
      const spelled =
        option.kind === 'boolean'
          ? option.negate
            ? `--no-${flag}`
            : `--${flag}`
          : `--${flag} <${option.valueName}>`;
      const help = index === 0 ? helpOf(option) : `the same as --${option.flag}`;
      const commanderOption = new Option(spelled, help);
      const parse = parserOf(option.kind);
      if (parse) commanderOption.argParser(parse as (value: string) => unknown);
      if (index > 0) commanderOption.conflicts(camel(option.flag));
      command.addOption(commanderOption);
      fieldOf.set(commanderOption.attributeName(), option.field);
    }
  }
  return fieldOf;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The options commander collected, by field; `given` gets the fields set on the command line. */
function collect(
  command: Command,
  values: Record<string, unknown>,
  fieldOf: Map<string, string>,
  given: Set<string>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const field = fieldOf.get(name) ?? name;
    const fromCli = command.getOptionValueSource(name) === 'cli';
    // A --no-x flag's default comes from the task, not from commander.
    if (!fromCli && typeof value === 'boolean' && fieldOf.has(name)) continue;
    fields[field] = value;
    if (fromCli) given.add(field);
  }
  return fields;
}

function buildProgram(io: Io, run: (action: () => Promise<number> | number) => void): Command {
  const program = new Command('pes')
    .description('Meta-learning through long unrolls with Persistent Evolution Strategies.')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s, write) => write(`pes: ${s.replace(/^error: /, '').trim()}`),
    });

  program
    .command('list')
    .description('name every task, estimator, experiment and choice, one line each')
    .action(() => run(async () => (await import('./commands/list.js')).list(io)));

  const train = program
    .command('meta-train')
    .description(
      'meta-train θ of a task with a gradient estimator; each task supplies its own defaults',
    )
    .option('--task <name>', `task to meta-train: ${taskSpecs.map((s) => s.name).join(', ')}`)
    .option('--out <DIR>', 'run directory (default runs/TASK-ESTIMATOR-TIME)')
    .option('--overwrite', 'replace the run already in --out')
    .option('--resume <DIR>', 'continue the run in DIR from its last checkpoint')
    .option('--config <FILE>', 'settings from a JSON or YAML file; flags override them')
    .option(
      '--print-config',
      "print the task's full settings as a config file to start from, and stop",
    )
    .option(
      '--workers <W>',
      'worker threads the particles are split over (default: one per core for network and physics tasks, 1 for the typed-array ones; θ is the same for any W); with --redis, the pes workers to attach',
      integer,
    )
    .addOption(
      new Option(
        '--isolation <kind>',
        'what a worker is on this machine: a thread of this process (the data shared), a process of its own (its own heap and data: faster, more memory), or auto (default: processes unless the data set is over 64 MiB)',
      ).choices(['auto', 'threads', 'processes']),
    )
    .option(
      '--redis <URL>',
      'split the particles over `pes worker` processes attached through Redis (redis://[:PASSWORD@]HOST:PORT[/DB], or rediss:// for TLS); the URL is never printed or saved',
    )
    .option(
      '--lease <SECONDS>',
      'with --redis: a worker silent this long is given up and its shards move to another',
      number,
      10,
    )
    .option(
      '--wait <SECONDS>',
      'with --redis: how long to wait for Redis, for the workers, and for a lost shard to find a worker',
      number,
      300,
    );
  const settings = runOptions().map((option): RunOption =>
    option.field === 'estimator'
      ? { ...option, description: `gradient estimator: ${methods.map((m) => m.name).join(', ')}` }
      : option,
  );
  const trainFields = addSettings(train, settings);
  train
    .addHelpText(
      'after',
      `
Options in [brackets] are read only by the tasks named there; the others by every task.

Examples:
  npx pes meta-train --task quadratic --estimator pes --out runs/q
  npx pes meta-train --task quadratic --estimator tes --unroll 1 --iterations 500
  npx pes meta-train --resume runs/q --iterations 600
  npx pes meta-train --task mnist-lr-schedule --objective val-accuracy --out runs/hpo
  npx pes meta-train --task char-lstm --iterations 100 --out runs/lstm

Each task's defaults (the paper's where a 2-core machine allows; N and iterations scaled down):
${taskDefaultsTable()}`,
    )
    .action((options: Record<string, unknown>, command: Command) => {
      const given = new Set<string>();
      const flags = collect(command, options, trainFields, given);
      run(async () => {
        const { metaTrain } = await import('./commands/meta-train.js');
        // A config file supplies what the flags do not; its settings count as given.
        const file =
          typeof flags.config === 'string'
            ? (await import('./config-file.js')).loadConfigFile(flags.config)
            : {};
        for (const [field, value] of Object.entries(file)) {
          if (given.has(field)) continue;
          flags[field] = value;
          given.add(field);
        }
        return metaTrain(flags as MetaTrainFlags, given, io);
      });
    });
  train.exitOverride();

  program
    .command('worker')
    .description(
      'join a pool of workers through Redis and compute the particles a `pes meta-train --redis` run gives this machine',
    )
    .requiredOption('--redis <URL>', 'the Redis of the pool (redis:// or rediss://); never printed')
    .option('--data-dir <DIR>', "this machine's data directory (replaces the run's --data-dir)")
    .option(
      '--lease <SECONDS>',
      'how long this worker may be silent before its shards move to another',
      number,
      10,
    )
    .option('--wait <SECONDS>', 'how long to wait for Redis at the start', number, 60)
    .action((options: { redis: string; dataDir?: string; lease: number; wait: number }) =>
      run(async () => {
        const [{ runWorker, parseRedisUrl }, { workerTaskFactory }] = await Promise.all([
          import('@pes/cluster/node'),
          import('./shard-factory.js'),
        ]);
        for (const flag of ['lease', 'wait'] as const)
          if (!(options[flag] > 0 && options[flag] <= 86_400))
            throw new UsageError(
              `--${flag} must be between 0 and 86400 seconds (got ${options[flag]})`,
            );
        const { signalled } = await runWorker({
          redis: parseRedisUrl(options.redis),
          // The app's own factory: the worker builds tasks only through it.
          taskFactory: workerTaskFactory(options.dataDir),
          lease: options.lease,
          wait: options.wait,
          out: io.out,
          err: io.err,
        });
        return signalled ? EXIT_INTERRUPTED : 0;
      }),
    )
    .exitOverride();

  program
    .command('report')
    .description(
      'write report.html (curves, θ path, configuration, final figures) into a run directory',
    )
    .argument('<DIR>', 'run directory')
    .action((dir: string) =>
      run(async () => {
        const { writeReport } = await import('./report.js');
        io.out(await writeReport(dir));
        return 0;
      }),
    )
    .exitOverride();

  program
    .command('compare')
    .description("overlay several runs' curves in one report, with a table of their final figures")
    .argument('<DIR...>', 'run directories')
    .requiredOption('--out <DIR>', 'where compare.html and its plots go')
    .action((dirs: string[], options: { out: string }) =>
      run(async () => {
        const { writeComparison } = await import('./report.js');
        io.out(await writeComparison(dirs, options.out));
        return 0;
      }),
    )
    .exitOverride();

  program
    .command('dashboard')
    .description(
      'serve the runs under DIR to a browser, live as they train: a list, each run, overlays (read-only)',
    )
    .argument('<DIR>', 'directory of run directories')
    .option('--port <P>', 'port (default: a free one, printed)', integer)
    .option('--host <H>', 'address to listen on (default 127.0.0.1, this machine only)')
    .action((dir: string, options: { port?: number; host?: string }) =>
      run(async () => (await import('./commands/dashboard.js')).dashboard(dir, options, io)),
    )
    .exitOverride();

  program
    .command('data')
    .description('inspect a dataset')
    .argument('<action>', 'info')
    .addOption(new Option('--dataset <name>', 'dataset').choices(DATASETS).makeOptionMandatory())
    .option(
      '--dir <DIR>',
      'directory of the official files (MNIST defaults to the embedded digits)',
    )
    .action((action: string, options: { dataset: 'mnist' | 'cifar10'; dir?: string }) =>
      run(async () => {
        if (action !== 'info') throw new UsageError(`unknown data action '${action}'; known: info`);
        return (await import('./commands/data-info.js')).dataInfo(options, io);
      }),
    )
    .exitOverride();

  const experimentCommand = program
    .command('experiment')
    .description("reproduce one of the paper's comparisons: every method, a table and plots")
    .exitOverride();
  for (const entry of experimentRegistry) {
    const command = experimentCommand
      .command(entry.name)
      .description(entry.description)
      .option('--out <DIR>', 'where results.json, table.md and the plots (SVG, PNG) go');
    const fieldOf = addSettings(command, describeOptions(entry.options));
    command
      .addHelpText('after', `\nExample:\n  ${entry.example}`)
      .action((options: Record<string, unknown>) =>
        run(async () => {
          const fields = collect(command, options, fieldOf, new Set());
          return (await import('./commands/experiment.js')).experiment(entry, fields, io);
        }),
      )
      .exitOverride();
  }
  const unknownExperiment = (name: string | undefined) =>
    new UsageError(
      `${name === undefined ? 'pes experiment needs a name' : `unknown experiment '${name}'`}; known experiments: ${experimentRegistry.map((e) => e.name).join(', ')}`,
    );
  experimentCommand.on('command:*', (names: string[]) => {
    throw unknownExperiment(names[0]);
  });
  // Without a name: one line, as every other mistake (commander would print the help).
  experimentCommand
    .argument('[name]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((name?: string) =>
      run(() => {
        throw unknownExperiment(name);
      }),
    );

  program
    .command('evaluate-optimizer')
    .description(
      'train fresh networks with a learned optimizer, its untrained initialisation and Adam over a learning-rate grid; compare them',
    )
    .option(
      '--weights <FILE>',
      "learned-optimizer.json written by meta-train --task lopt-*, or 'shipped' (the family-trained weights of @pes/learned-opt)",
    )
    .option(
      '--task <name>',
      'inner problem: mnist-mlp, cifar10-mlp, mnist-conv or cifar10-conv',
      'mnist-mlp',
    )
    .option(
      '--suite <name>',
      "a suite of problems instead of one task: 'held-out' (problems the shipped family never drew); writes summary.md",
    )
    .option('--problems <list>', "the suite's problems to run, comma-separated (default: all)")
    .option('--out <DIR>', 'where evaluation.json, table.md and loss-curves.svg/png go')
    .option('--steps <T>', 'inner steps per network (default 200)', integer)
    .option('--no-untrained', "leave out the learned optimizer's untrained start")
    .option(
      '--step-scale <S>',
      "multiplies the learned optimizer's steps (its stepScale knob; default 1)",
      number,
    )
    .option(
      '--step-feature-limit <T>',
      "holds the learned optimizer's step features at step T ('none': never; default: the weights')",
    )
    .option('--seeds <S>', 'fresh initialisations per optimizer', integer, 5)
    .option(
      '--seed <S>',
      'first evaluation seed (a key stream meta-training never draws)',
      integer,
      0,
    )
    .option('--arch <sizes>', 'MLP layer sizes (default 784-32-10 / 3072-32-10)')
    .option('--batch <B>', 'minibatch size (default 32, as meta-training)', integer)
    .option('--data-dir <DIR>', 'directory of the official dataset files')
    .option(
      '--adam-lrs <list>',
      'Adam learning rates, comma-separated; the best by final validation loss is reported',
      numberList,
      [1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
    )
    .option('--eval-every <E>', 'steps between points of the loss curves (default T/20)', integer)
    .option(
      '--train-records <R>',
      'training records in the training loss (the first R; validation uses all)',
      integer,
      10000,
    )
    .addHelpText(
      'after',
      `
Example:
  npx pes meta-train --task lopt-mnist --out runs/lopt
  npx pes evaluate-optimizer --weights runs/lopt/learned-optimizer.json --task mnist-mlp --steps 200 --seeds 5 --out runs/lopt-eval
  npx pes evaluate-optimizer --weights shipped --suite held-out --out runs/held-out`,
    )
    .action((options: EvaluateOptimizerOptions) =>
      run(async () =>
        (await import('./commands/evaluate-optimizer.js')).evaluateOptimizer(options, io),
      ),
    )
    .exitOverride();

  program
    .command('variance')
    .description(
      'how the error of PES summed over an episode depends on the number of unrolls, for any task',
    )
    .requiredOption('--task <name>', 'task with finite episodes')
    .requiredOption(
      '--unroll <list>',
      'unroll lengths K, comma-separated divisors of the horizon',
      numberList,
    )
    .option('--out <DIR>', 'where results.json, table.md and the plot go')
    .option('--horizon <T>', "episode length (default: the task's)", integer)
    .option('--sigma <S>', "σ (default: the task's)", number)
    .option('--particles <N>', 'particles per estimate', integer, 100)
    .option('--repeats <R>', 'estimates per K', integer, 20)
    .option(
      '--reference-particles <N>',
      'particles of the full-horizon ES reference',
      integer,
      2000,
    )
    .option('--seed <S>', 'random seed', integer, 0)
    .action((options: VarianceCommandOptions) =>
      run(async () => (await import('./commands/variance.js')).variance(options, io)),
    )
    .exitOverride();

  program
    .command('bench')
    .description(
      'time a hot path and print medians: influence-balancing (the paper PES run), inner-step, lopt-update, scaling or backends',
    )
    .argument('<name>', 'influence-balancing, inner-step, lopt-update, scaling or backends')
    .option(
      '--task <name>',
      'scaling: the task whose meta-training is timed (its own settings); backends: tasks, comma-separated (default every tensor task)',
    )
    .option('--workers <list>', 'scaling: worker counts, comma-separated (default 1,2)', numberList)
    .option(
      '--iterations <I>',
      'scaling, backends: outer iterations per timed repeat (default 3)',
      integer,
    )
    .option(
      '--horizon <T>',
      "scaling: the task's episode length (its initial evaluation is one episode)",
      integer,
    )
    .option('--repeats <R>', 'timed repeats, interleaved across variants', integer, 5)
    .option('--compare-numpy', 'also time the same computation in numpy (needs python3 with numpy)')
    .option(
      '--compare-jax',
      'scaling (mnist-lr-schedule): also time the same iteration in JAX, on one core and on all (tools/bench/requirements.txt)',
    )
    .addOption(
      new Option('--dataset <name>', 'inner-step: dataset').choices(DATASETS).default('mnist'),
    )
    .option(
      '--data-dir <DIR>',
      "inner-step, scaling: directory of the official dataset files; backends: CIFAR-10's, for the tasks on it (MNIST's keep their embedded digits)",
    )
    .option(
      '--arch <sizes>',
      "inner-step, lopt-update: MLP layer sizes (default 784-100-100-10; lopt-update: 784-32-10, lopt-mnist's)",
    )
    .option(
      '--batch <B>',
      'inner-step, lopt-update: minibatch size (default 100; lopt-update: 32)',
      integer,
    )
    .option(
      '--particles <list>',
      'inner-step: particle counts, comma-separated (default 8,32,128); lopt-update: one count (default 8)',
    )
    .option('--no-memory', 'inner-step: skip the PES memory measurement at T = 100 and 5,000')
    .option('--json', 'inner-step, scaling, backends: print one JSON object')
    .option(
      '--isolation <list>',
      'scaling: threads, processes, auto or a list (each worker count with each, interleaved; default auto, as meta-train)',
    )
    .option(
      '--redis <URL>',
      "scaling: shard over pes workers attached through Redis, and print Redis's cost per iteration",
    )
    .option(
      '--spawn',
      'scaling with --redis: start the pes workers on this machine (as many as the variants need together)',
    )
    .action((name: string, options: Record<string, unknown>) =>
      run(async () => {
        const compareNumpy = (options.compareNumpy as boolean | undefined) ?? false;
        const data = {
          dataset: options.dataset as 'mnist' | 'cifar10',
          ...(options.dataDir ? { dataDir: options.dataDir as string } : {}),
        };
        const json = (options.json as boolean | undefined) ?? false;
        if (name === 'scaling') {
          if (typeof options.task !== 'string') throw new UsageError('bench scaling needs --task');
          const { benchScaling } = await import('./commands/bench-scaling.js');
          return benchScaling(
            {
              task: options.task,
              workers: (options.workers as number[] | undefined) ?? [1, 2],
              repeats: options.repeats as number,
              iterations: (options.iterations as number | undefined) ?? 3,
              ...(options.particles !== undefined ? { particles: Number(options.particles) } : {}),
              ...(options.horizon !== undefined ? { horizon: options.horizon as number } : {}),
              ...(options.dataDir !== undefined ? { dataDir: options.dataDir as string } : {}),
              ...(options.redis !== undefined
                ? {
                    redis: (await import('@pes/cluster/node')).parseRedisUrl(
                      options.redis as string,
                    ),
                  }
                : {}),
              spawn: (options.spawn as boolean | undefined) ?? false,
              compareJax: (options.compareJax as boolean | undefined) ?? false,
              ...(options.isolation !== undefined
                ? { isolations: isolationList(options.isolation as string) }
                : {}),
              json,
            },
            io,
          );
        }
        if (name === 'backends') {
          const { benchBackends } = await import('./commands/bench-backends.js');
          return benchBackends(
            {
              ...(typeof options.task === 'string' ? { tasks: options.task.split(',') } : {}),
              ...(options.dataDir !== undefined ? { dataDir: options.dataDir as string } : {}),
              repeats: options.repeats as number,
              iterations: (options.iterations as number | undefined) ?? 3,
              json,
            },
            io,
          );
        }
        if (name === 'lopt-update') {
          const { benchLoptUpdate } = await import('./commands/bench-lopt-update.js');
          return benchLoptUpdate(
            {
              ...data,
              arch: (options.arch as string | undefined) ?? '784-32-10',
              batch: (options.batch as number | undefined) ?? 32,
              particles: Number(options.particles ?? 8),
              repeats: options.repeats as number,
              json,
            },
            io,
          );
        }
        if (name !== 'inner-step')
          return (await import('./commands/bench.js')).bench(
            name,
            { repeats: options.repeats as number, compareNumpy },
            io,
          );
        const { benchInnerStep } = await import('./commands/bench-inner-step.js');
        return benchInnerStep(
          {
            ...data,
            arch: (options.arch as string | undefined) ?? '784-100-100-10',
            batch: (options.batch as number | undefined) ?? 100,
            particles: String(options.particles ?? '8,32,128')
              .split(',')
              .map(Number),
            repeats: options.repeats as number,
            json,
            compareNumpy,
            memory: options.memory as boolean,
          },
          io,
        );
      }),
    )
    .exitOverride();
  return program;
}

/** One line per task: the defaults a run gets without flags. */
function taskDefaultsTable(): string {
  return taskSpecs
    .map((spec) => {
      const d = { ...baseRunSettings, ...spec.defaults };
      const horizon =
        spec.horizonInWords ??
        (spec.defaults.horizon === undefined ? 'T = ∞' : `T = ${String(spec.defaults.horizon)}`);
      return `  ${spec.name.padEnd(20)}${d.estimator}, K = ${d.unrollLength}, N = ${d.particles}, σ = ${d.sigma}, ${horizon}, ${d.outerOptimizer} ${d.outerLr}, ${d.iterations} iterations`;
    })
    .join('\n');
}

/**
 * Errors that are the user's to fix (a flag, a data file, a weights file, a full disk), by name: matching the
 * classes themselves would load the packages that define them before any command runs.
 */
const USER_ERRORS = new Set([
  'UsageError',
  'DataError',
  'WeightsError',
  'WriteError',
  'ClusterError',
]);

/** Runs the `pes` command; returns the exit status. Usage problems: one line, status 2. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let pending: Promise<number> | number = 0;
  const program = buildProgram(io, (action) => {
    pending = (async () => action())();
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return await pending;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof Error && USER_ERRORS.has(error.name)) {
      io.err(`pes: ${oneLine(error.message)}`);
      return EXIT_USAGE;
    }
    // Anything else is ours to fix: one line, status 1, and where to report it.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.err(
      `pes: internal error (${oneLine(message.split('\n')[0]!)}); please report it with the command you ran`,
    );
    // PES_DEBUG=1 adds the stack, for the report.
    if (process.env.PES_DEBUG && error instanceof Error && error.stack) io.err(error.stack);
    return EXIT_INTERNAL;
  }
}

/** A message on one line: a parser's message quotes the file's bytes, line breaks and all. */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '\ufffd');
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: process.stdout.isTTY === true && process.env.CI === undefined,
};
