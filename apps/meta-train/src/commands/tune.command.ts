import { defineCommand } from '../command-line.js';
import { tuneOptions } from './tune-options.js';

/**
 * `pes tune`: PES tunes the hyperparameters of a saved tfjs-layers model on CSV files or a
 * built-in dataset. A meta-train run of the `model-tuning` task underneath, so the run directory,
 * progress, report, --resume, --workers and --redis are meta-train's; no default is written
 * here (they are the task's), so each flag left out is the task's own.
 */
export const tuneCommand = defineCommand({
  name: 'tune',
  description:
    'tune the hyperparameters and schedules of your tfjs-layers model with PES, then retrain it with them',
  options: tuneOptions,
  help: `Examples:
  npx pes tune --model my-model/model.json --train train.csv --validation val.csv \\
      --label species --hyperparameters space.yaml --out runs/tune
  npx pes tune --model conv/model.json --dataset mnist --hyperparameters space.yaml \\
      --objective val-accuracy --iterations 100
  npx pes tune --resume runs/tune --iterations 300

space.yaml:
  learningRate: { schedule: piecewise-log-linear, initial: 0.01 }
  momentum: { range: [0, 0.99], initial: 0.9 }
  weightDecay: { range: [1.0e-6, 1.0e-2], log: true }`,
  async action(_args, options, io): Promise<number> {
    return (await import('./tune.js')).tune(options, io);
  },
});
