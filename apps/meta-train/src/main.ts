import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { bench } from './commands/bench.js';
import { benchInnerStep } from './commands/bench-inner-step.js';
import { benchLoptUpdate } from './commands/bench-lopt-update.js';
import { experiment, EXPERIMENTS } from './commands/experiment.js';
import { evaluateOptimizer, type EvaluateOptimizerOptions } from './commands/evaluate-optimizer.js';
import { dataInfo } from './commands/data-info.js';
import { list } from './commands/list.js';
import { variance, type VarianceCommandOptions } from './commands/variance.js';
import type { ExperimentOptions } from './commands/experiment.js';
import { metaTrain, type Io, type MetaTrainFlags } from './commands/meta-train.js';
import { DataError } from '@pes/inner-problems';
import { WeightsError } from '@pes/learned-opt/node';
import { EXIT_USAGE, UsageError } from './errors.js';
import { taskSpecs } from './registry.js';
import { loadConfigFile } from './config-file.js';
import { writeComparison, writeReport } from './report.js';
import { mkdirSync } from 'node:fs';

const number = (value: string): number => {
  const x = Number(value);
  if (value.trim() === '' || Number.isNaN(x)) throw new InvalidArgumentError('expected a number.');
  return x;
};
const integer = (value: string): number => {
  const x = number(value);
  if (!Number.isInteger(x)) throw new InvalidArgumentError('expected an integer.');
  return x;
};

const numberList = (value: string): number[] => value.split(',').map((v) => number(v.trim()));

/** Flag → config field, where the flag's name is not the field's. */
const FIELD_OF: Record<string, string> = {
  unroll: 'unrollLength',
  batch: 'batchSize',
  metaLoss: 'objective',
};

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
    .description('name every task and estimator, one line each')
    .action(() => run(() => list(io)));

  const train = program
    .command('meta-train')
    .description(
      'meta-train θ of a task with a gradient estimator; each task supplies its own defaults',
    )
    .option('--task <name>', 'task to meta-train (pes list)')
    .option('--estimator <name>', 'gradient estimator: pes, tes, es, nres, tbptt, bptt')
    .option('--unroll <K>', 'inner steps per truncated unroll', integer)
    .option('--horizon <T>', 'inner steps per episode', integer)
    .addOption(
      new Option('--dataset <name>', 'dataset of an image task').choices(['mnist', 'cifar10']),
    )
    .option(
      '--data-dir <DIR>',
      'directory of the official dataset files (MNIST IDX, CIFAR-10 binary)',
    )
    .option('--arch <sizes>', 'MLP layer sizes, e.g. 784-100-100-10')
    .option('--batch <B>', 'inner minibatch size', integer)
    .addOption(
      new Option('--activation <name>', 'hidden activation').choices(['relu', 'tanh', 'sigmoid']),
    )
    .addOption(
      new Option('--objective <name>', 'per-step loss of an image task').choices([
        'train-loss',
        'val-loss',
        'val-accuracy',
      ]),
    )
    .addOption(
      new Option(
        '--meta-loss <name>',
        "the same as --objective (the learned-optimizer tasks' name)",
      )
        .choices(['train-loss', 'val-loss', 'val-accuracy'])
        .conflicts('objective'),
    )
    .addOption(
      new Option('--schedule <name>', 'learning-rate schedule of mnist-lr-schedule').choices([
        'inverse-time-decay',
        'linear',
        'exponential',
        'piecewise',
      ]),
    )
    .option(
      '--initial-theta <list>',
      'θ to start from, comma-separated (its length sets the knots of piecewise)',
      numberList,
    )
    .option('--particles <N>', 'particles per estimate (even with antithetic pairs)', integer)
    .option('--sigma <S>', 'standard deviation of the perturbations', number)
    .addOption(
      new Option('--outer-optimizer <name>', 'outer optimizer').choices([
        'sgd',
        'momentum',
        'adam',
      ]),
    )
    .option('--outer-lr <LR>', 'outer learning rate', number)
    .option('--adam-b1 <B1>', "Adam's β1", number)
    .option('--adam-b2 <B2>', "Adam's β2", number)
    .option('--momentum <M>', 'momentum of the outer momentum optimizer', number)
    .option('--clip-norm <C>', 'clip the meta-gradient to this global norm (0: off)', number)
    .option('--no-antithetic', 'one-sided perturbations instead of antithetic pairs')
    .option('--no-stagger', 'start every particle at inner step 0')
    .option(
      '--fitness-shaping',
      'divide the gradient by the standard deviation of the particle objectives',
    )
    .option('--iterations <I>', 'outer iterations', integer)
    .option('--eval-every <E>', 'evaluate θ every E iterations (0: start and end only)', integer)
    .option('--checkpoint-every <N>', 'write a checkpoint every N iterations', integer)
    .option('--seed <S>', 'random seed', integer)
    .option('--out <DIR>', 'run directory (default runs/TASK-ESTIMATOR-TIME)')
    .option('--overwrite', 'replace the run already in --out')
    .option('--resume <DIR>', 'continue the run in DIR from its last checkpoint')
    .option('--config <FILE>', 'settings from a JSON or YAML file; flags override them')
    .option(
      '--print-config',
      "print the task's full settings as a config file to start from, and stop",
    )
    .option('--checkpoint-seconds <S>', 'also checkpoint every S seconds', number)
    .addHelpText(
      'after',
      `
Examples:
  npx pes meta-train --task quadratic --estimator pes --out runs/q
  npx pes meta-train --task quadratic --estimator tes --unroll 1 --iterations 500
  npx pes meta-train --resume runs/q --iterations 600
  npx pes meta-train --task mnist-lr-schedule --objective val-accuracy --out runs/hpo

Each task's defaults (the paper's where a 2-core machine allows; N and iterations scaled down):
${taskDefaultsTable()}`,
    )
    .action((options: Record<string, unknown>, command: Command) => {
      const given = new Set<string>();
      const flags: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(options)) {
        const field = FIELD_OF[name] ?? name;
        flags[field] = value;
        if (command.getOptionValueSource(name) === 'cli') given.add(field);
      }
      // Defaults of --no-* flags come from the task, not from commander.
      for (const flag of ['antithetic', 'stagger']) if (!given.has(flag)) delete flags[flag];
      run(() => {
        // A config file supplies what the flags do not.
        const file = typeof flags.config === 'string' ? loadConfigFile(flags.config) : {};
        for (const [field, value] of Object.entries(file))
          if (!given.has(field)) flags[field] = value;
        return metaTrain(flags as MetaTrainFlags, given, io);
      });
    });
  train.exitOverride();

  program
    .command('report')
    .description(
      'write report.html (curves, θ path, configuration, final figures) into a run directory',
    )
    .argument('<DIR>', 'run directory')
    .action((dir: string) =>
      run(async () => {
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
        try {
          mkdirSync(options.out, { recursive: true });
        } catch (error) {
          throw new UsageError(
            `cannot create output directory ${options.out}: ${(error as NodeJS.ErrnoException).code}`,
          );
        }
        io.out(await writeComparison(dirs, options.out));
        return 0;
      }),
    )
    .exitOverride();

  program
    .command('data')
    .description('inspect a dataset')
    .argument('<action>', 'info')
    .addOption(
      new Option('--dataset <name>', 'dataset').choices(['mnist', 'cifar10']).makeOptionMandatory(),
    )
    .option(
      '--dir <DIR>',
      'directory of the official files (MNIST defaults to the embedded digits)',
    )
    .action((action: string, options: { dataset: 'mnist' | 'cifar10'; dir?: string }) =>
      run(() => {
        if (action !== 'info') throw new UsageError(`unknown data action '${action}'; known: info`);
        return dataInfo(options, io);
      }),
    )
    .exitOverride();

  program
    .command('experiment')
    .description("reproduce one of the paper's comparisons: every method, a table and plots")
    .argument('<name>', Object.keys(EXPERIMENTS).join(', '))
    .option('--out <DIR>', 'where results.json, table.md and the plots (SVG, PNG) go')
    .option('--iterations <I>', "outer iterations per method (default: the task's)", integer)
    .option('--seed <S>', 'random seed', integer)
    .option('--eval-every <E>', 'evaluate every E iterations', integer)
    .option(
      '--resolution <R>',
      'grid cells per axis of the meta-loss surface (toy-regression 100, mnist-lr-schedule 6)',
      integer,
    )
    .option(
      '--horizon <T>',
      'mnist-lr-schedule: inner steps of each run (default 1000); learned-optimizer: T (default 200)',
      integer,
    )
    .option(
      '--seeds <S>',
      'swimmer: seeds per method (default 3; the paper 6); learned-optimizer: fresh networks in the evaluation (default 5)',
      integer,
    )
    .option(
      '--text <FILE>',
      'variance: a text file (default ../shared/data/text/tinyshakespeare.txt)',
    )
    .option(
      '--unroll <list>',
      'variance: unroll lengths K, comma-separated divisors of T',
      numberList,
    )
    .option(
      '--particles <N>',
      'variance: particles per estimate (default 100; the paper 1000); learned-optimizer: N (default 16)',
      integer,
    )
    .option('--repeats <R>', 'variance: repeats per K (default 10; the paper 50)', integer)
    .option(
      '--reference-particles <N>',
      'variance: particles of the ES reference (default 5000, as the paper)',
      integer,
    )
    .option('--sigma <S>', 'variance: σ (default 1e-3)', number)
    .addHelpText(
      'after',
      `
Examples:
  npx pes experiment influence-balancing --out runs/influence
  npx pes experiment toy-regression --out runs/toy --iterations 3000 --resolution 60
  npx pes experiment mnist-lr-schedule --out runs/mnist-hpo   # about 15 minutes on 2 cores
  npx pes experiment learned-optimizer --out runs/lopt        # about 25 minutes on 2 cores`,
    )
    .action((name: string, options: ExperimentOptions) => run(() => experiment(name, options, io)))
    .exitOverride();

  program
    .command('evaluate-optimizer')
    .description(
      'train fresh networks with a learned optimizer, its untrained initialisation and Adam over a learning-rate grid; compare them',
    )
    .option('--weights <FILE>', 'learned-optimizer.json written by meta-train --task lopt-*')
    .option('--task <name>', 'inner problem: mnist-mlp or cifar10-mlp', 'mnist-mlp')
    .option('--out <DIR>', 'where evaluation.json, table.md and loss-curves.svg/png go')
    .option(
      '--steps <T>',
      'inner steps per network (default: the meta-training horizon, 200)',
      integer,
    )
    .option('--seeds <S>', 'fresh initialisations per optimizer', integer, 5)
    .option(
      '--seed <S>',
      'first evaluation seed (a key stream meta-training never draws)',
      integer,
      0,
    )
    .option('--arch <sizes>', "MLP layer sizes (default: the lopt task's, 784-32-10 / 3072-32-10)")
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
  npx pes evaluate-optimizer --weights runs/lopt/learned-optimizer.json --task mnist-mlp --steps 200 --seeds 5 --out runs/lopt-eval`,
    )
    .action((options: EvaluateOptimizerOptions) => run(() => evaluateOptimizer(options, io)))
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
    .action((options: VarianceCommandOptions) => run(() => variance(options, io)))
    .exitOverride();

  program
    .command('bench')
    .description(
      'time a hot path and print medians: influence-balancing (the paper PES run), inner-step or lopt-update',
    )
    .argument('<name>', 'influence-balancing, inner-step or lopt-update')
    .option('--repeats <R>', 'timed repeats, interleaved across variants', integer, 5)
    .option('--compare-numpy', 'also time the same computation in numpy (needs python3 with numpy)')
    .addOption(
      new Option('--dataset <name>', 'inner-step: dataset')
        .choices(['mnist', 'cifar10'])
        .default('mnist'),
    )
    .option('--data-dir <DIR>', 'inner-step: directory of the official dataset files')
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
    .option('--json', 'inner-step: print one JSON object')
    .action((name: string, options: Record<string, unknown>) =>
      run(() => {
        const compareNumpy = (options.compareNumpy as boolean | undefined) ?? false;
        const data = {
          dataset: options.dataset as 'mnist' | 'cifar10',
          ...(options.dataDir ? { dataDir: options.dataDir as string } : {}),
        };
        const json = (options.json as boolean | undefined) ?? false;
        if (name === 'lopt-update') {
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
          return bench(name, { repeats: options.repeats as number, compareNumpy }, io);
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
      const d = spec.defaults;
      const horizon = d.horizon === undefined ? 'T = ∞' : `T = ${d.horizon}`;
      return `  ${spec.name.padEnd(20)}${d.estimator}, K = ${d.unrollLength}, N = ${d.particles}, σ = ${d.sigma}, ${horizon}, ${d.outerOptimizer} ${d.outerLr}, ${d.iterations} iterations`;
    })
    .join('\n');
}

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
    if (
      error instanceof UsageError ||
      error instanceof DataError ||
      error instanceof WeightsError
    ) {
      io.err(`pes: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: process.stdout.isTTY === true && process.env.CI === undefined,
};
