import { objectiveRegistry } from '@pes/inner-problems/tasks';
import { hyperparameterRegistry, scheduleRegistry } from '@pes/hpo/tasks';
import { experimentRegistry } from '@pes/experiments/node';
import { methods, taskSpecs, type Io } from '@pes/runner/node';

/** Every registry, one line per entry: what `--task`, `--estimator` and the choices accept. */
export function list(io: Io): number {
  const sections: [string, readonly { name: string; description: string }[]][] = [
    ['tasks', taskSpecs],
    ['estimators', methods],
    ['schedules (mnist-lr-schedule --schedule)', scheduleRegistry],
    ['objectives (image tasks --objective)', objectiveRegistry],
    [
      'hyperparameters (pes tune --hyperparameters)',
      hyperparameterRegistry.map((h) => ({
        name: h.name,
        description: `${h.role}; range ${h.defaultRange.join(' to ')}${h.log ? ' (log)' : ''}${h.schedulable ? ', or a schedule' : ''}; ${h.optimizers.join(', ')}`,
      })),
    ],
    ['experiments', experimentRegistry],
  ];
  const width =
    Math.max(...sections.flatMap(([, entries]) => entries.map((e) => e.name.length))) + 2;
  for (const [title, entries] of sections) {
    io.out(`${title}:`);
    for (const e of entries) io.out(`  ${e.name.padEnd(width)}${e.description}`);
  }
  return 0;
}
