import { runTrainer, type IterationRecord, type MetaTrainer, type MetaTrainState } from '@pes/core';
import type { PlaygroundConfig } from './run-config.js';

/** One meta-training run of the page: its config, its trainer and where it has got to. */
export interface PlaygroundRun {
  readonly config: PlaygroundConfig;
  readonly trainer: MetaTrainer;
  readonly state: MetaTrainState;
}

/**
 * Task, estimator, optimizer and trainer from the library calls `pes meta-train` makes in its
 * `buildRun` (one thread, no shards): the same seed then gives the same θ, bit for bit.
 */
export async function createRun(config: PlaygroundConfig): Promise<PlaygroundRun> {
  const { settings } = config;
  const task = await config.spec.create(config.options);
  // The command line's own construction: the same settings give the same run.
  const trainer = runTrainer(task, settings);
  return { config, trainer, state: trainer.init() };
}

/** One outer iteration; the run that comes back replaces the one given. */
export function stepRun(run: PlaygroundRun): { run: PlaygroundRun; record: IterationRecord } {
  const { state, record } = run.trainer.step(run.state);
  return { run: { ...run, state }, record };
}

export const isFinished = (run: PlaygroundRun): boolean => run.trainer.isFinished(run.state);

/** θ as the hexadecimal of each float64's bits (big-endian): equal strings, equal bits. */
export function thetaBits(theta: ArrayLike<number>): string[] {
  const view = new DataView(new ArrayBuffer(8));
  return Array.from(theta, (value) => {
    view.setFloat64(0, value);
    return Array.from({ length: 8 }, (_, i) => view.getUint8(i).toString(16).padStart(2, '0')).join(
      '',
    );
  });
}
