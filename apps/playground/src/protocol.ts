import type { PlaygroundOverrides } from './run-config.js';

/** What the page asks of the training worker. */
export type WorkerRequest =
  | {
      /** New runs, one per estimator, all from the same θ and seed; paused at iteration 0. */
      type: 'settings';
      task: string;
      estimators: string[];
      overrides: PlaygroundOverrides;
      /** At most this many iterations per run between two progress messages (0: no limit). */
      iterationsPerSlice?: number;
    }
  | { type: 'start' }
  | { type: 'pause' }
  /** One iteration of every unfinished run (when paused). */
  | { type: 'step' }
  /** The runs of the last settings, from iteration 0 again. */
  | { type: 'reset' };

/** One iteration of one run, as the page draws it. */
export interface IterationPoint {
  estimator: string;
  iteration: number;
  theta: number[];
  metaLoss: number | null;
  /** The full-run objective, on iterations that evaluated θ. */
  evalLoss?: number;
}

/** Where one run stands. */
export interface RunStatus {
  estimator: string;
  iteration: number;
  iterations: number;
  finished: boolean;
  /** θ exactly: the hexadecimal of each float64 (see `thetaBits`). */
  thetaBits: string[];
  /** θ as JavaScript prints it (the shortest decimal that reads back as the same float64). */
  theta: string[];
}

/** What the worker tells the page. */
export type WorkerReply =
  | {
      /** Sent after settings and reset, with every run at iteration 0: the page starts afresh. */
      type: 'ready';
      task: string;
      points: IterationPoint[];
      runs: RunStatus[];
    }
  | {
      type: 'progress';
      /** The iterations since the last message, in order. */
      points: IterationPoint[];
      runs: RunStatus[];
      running: boolean;
    }
  | { type: 'error'; message: string };
