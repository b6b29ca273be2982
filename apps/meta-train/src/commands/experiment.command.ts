import { describeOptions } from '@pes/core';
import { addSettings, collect, type PesCommand } from '../command-line.js';
import { UsageError } from '../errors.js';
import { experimentRegistry } from '@pes/experiments/node';

const unknownExperiment = (name: string | undefined) =>
  new UsageError(
    `${name === undefined ? 'pes experiment needs a name' : `unknown experiment '${name}'`}; known experiments: ${experimentRegistry.map((e) => e.name).join(', ')}`,
  );

/**
 * `pes experiment NAME`: one subcommand per entry of the experiment registry, each with the
 * flags its schema declares.
 */
export const experimentCommand: PesCommand = {
  name: 'experiment',
  register(program, { io, run }) {
    const parent = program
      .command('experiment')
      .description("reproduce one of the paper's comparisons: every method, a table and plots")
      .exitOverride();
    for (const entry of experimentRegistry) {
      const command = parent
        .command(entry.name)
        .description(entry.description)
        .option('--out <DIR>', 'where results.json, table.md and the plots (SVG, PNG) go');
      const fieldOf = addSettings(command, describeOptions(entry.options));
      command
        .addHelpText('after', `\nExample:\n  ${entry.example}`)
        .action((options: Record<string, unknown>) =>
          run(async () => {
            const fields = collect(command, options, fieldOf, new Set());
            return (await import('./experiment.js')).experiment(entry, fields, io);
          }),
        )
        .exitOverride();
    }
    parent.on('command:*', (names: string[]) => {
      throw unknownExperiment(names[0]);
    });
    // Without a name: one line, as every other mistake (commander would print the help).
    parent
      .argument('[name]')
      .allowUnknownOption()
      .allowExcessArguments()
      .action((name?: string) =>
        run(() => {
          throw unknownExperiment(name);
        }),
      );
  },
};
