import type { Io } from '@pes/runner/node';

/**
 * Where an experiment writes its lines, and how it starts `pes` child processes: `pes` is the
 * command line (after node itself) that runs this very `pes`, which only the app knows.
 */
export interface ExperimentIo extends Io {
  readonly pes: readonly string[];
}
