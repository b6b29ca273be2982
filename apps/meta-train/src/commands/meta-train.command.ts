import { Option, type Command } from 'commander';
import { baseRunSettings } from '@pes/core';
import { addSettings, collect, integer, number, type PesCommand } from '../command-line.js';
import type { MetaTrainFlags } from './meta-train.js';
import { methods, runOptions, taskSpecs, type RunOption, loadConfigFile } from '@pes/runner/node';

/**
 * `pes meta-train`: its own flags (the run directory, resume, config files, workers, Redis),
 * then one flag per run setting and per task option, derived from their schemas (catalog.ts).
 */
export const metaTrainCommand: PesCommand = {
  name: 'meta-train',
  register(program, { io, run }) {
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
        '--redis [URL]',
        'split the particles over `pes worker` processes attached through Redis (redis://[:PASSWORD@]HOST:PORT[/DB], or rediss:// for TLS); the URL is never printed or saved; --redis alone reads it from PES_REDIS_URL, out of `ps`',
      )
      .option(
        '--secret-file <PATH>',
        "with --redis: the cluster's shared secret (else PES_CLUSTER_SECRET), which signs every message; the workers must have it too",
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
          const { metaTrain } = await import('./meta-train.js');
          // A config file supplies what the flags do not; its settings count as given.
          const file = typeof flags.config === 'string' ? loadConfigFile(flags.config) : {};
          for (const [field, value] of Object.entries(file)) {
            if (given.has(field)) continue;
            flags[field] = value;
            given.add(field);
          }
          return metaTrain(flags as MetaTrainFlags, given, io);
        });
      });
    train.exitOverride();
  },
};

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
