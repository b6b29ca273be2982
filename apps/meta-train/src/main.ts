import { Command, CommanderError } from 'commander';
import type { CommandContext, PesCommand } from './command-line.js';
import { benchCommand } from './commands/bench.command.js';
import { compareCommand } from './commands/compare.command.js';
import { dashboardCommand } from './commands/dashboard.command.js';
import { dataCommand } from './commands/data.command.js';
import { evaluateOptimizerCommand } from './commands/evaluate-optimizer.command.js';
import { experimentCommand } from './commands/experiment.command.js';
import { listCommand } from './commands/list.command.js';
import { metaTrainCommand } from './commands/meta-train.command.js';
import { reportCommand } from './commands/report.command.js';
import { tuneCommand } from './commands/tune.command.js';
import { varianceCommand } from './commands/variance.command.js';
import { workerCommand } from './commands/worker.command.js';
import { EXIT_INTERNAL, EXIT_USAGE } from './errors.js';
import type { Io } from '@pes/runner/node';

/**
 * Every command of `pes`, in the order of its help. Each declares itself in
 * commands/NAME.command.ts and imports its implementation only when it runs.
 */
const COMMANDS: readonly PesCommand[] = [
  listCommand,
  metaTrainCommand,
  workerCommand,
  reportCommand,
  compareCommand,
  dashboardCommand,
  dataCommand,
  experimentCommand,
  evaluateOptimizerCommand,
  tuneCommand,
  varianceCommand,
  benchCommand,
];

function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command('pes')
    .description('Meta-learning through long unrolls with Persistent Evolution Strategies.')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s, write) => write(`pes: ${s.replace(/^error: /, '').trim()}`),
    });
  for (const command of COMMANDS) command.register(program, context);
  return program;
}

/**
 * Errors that are the user's to fix (a flag, a data file, a weights file, a full disk), by name: matching the
 * classes themselves would load the packages that define them before any command runs.
 */
const USER_ERRORS = new Set([
  'UsageError',
  'DataError',
  'SearchSpaceError',
  'WeightsError',
  'WriteError',
  'ClusterError',
]);

/** Runs the `pes` command; returns the exit status. Usage problems: one line, status 2. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let pending: Promise<number> | number = 0;
  const program = buildProgram({
    io,
    run: (action) => {
      pending = (async () => action())();
    },
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
