import type { MnistPoint } from './mnist-training.js';

/** What the MNIST panel asks of its worker. */
export type MnistRequest =
  | {
      /** A new run, paused at iteration 0 (after the evaluation of θ's first schedule). */
      type: 'settings';
      /** Absolute URL of public/mnist-digits.bin (the worker's own URL is under assets/). */
      digitsUrl: string;
      iterations?: number;
      seed?: number;
      /** This tfjs backend rather than the fastest that starts (read on the first settings). */
      backend?: string;
    }
  | { type: 'start' }
  | { type: 'pause' };

/** What the worker tells the MNIST panel. */
export type MnistReply =
  | {
      /** The active tfjs backend and the formulation `auto` chose on it. */
      type: 'backend';
      backend: string;
      formulation: string;
      /** Training and validation digits. */
      train: number;
      validation: number;
    }
  | { type: 'ready'; point: MnistPoint; iterations: number }
  | { type: 'progress'; point: MnistPoint; iterations: number; finished: boolean }
  | { type: 'error'; message: string };
