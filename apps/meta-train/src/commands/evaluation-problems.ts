import type { DatasetName } from '@pes/inner-problems/node';

/** What `pes evaluate-optimizer --task` trains: a dataset and a kind of network. */
export const EVALUATION_TASKS = {
  'mnist-mlp': { dataset: 'mnist', network: 'mlp', arch: '784-32-10' },
  'cifar10-mlp': { dataset: 'cifar10', network: 'mlp', arch: '3072-32-10' },
  'mnist-conv': { dataset: 'mnist', network: 'conv' },
  'cifar10-conv': { dataset: 'cifar10', network: 'conv' },
} as const satisfies Record<
  string,
  { dataset: DatasetName; network: 'mlp' | 'conv'; arch?: string }
>;
export type EvaluationTaskName = keyof typeof EVALUATION_TASKS;

/** One problem of a suite: a task at a setting, and what about it meta-training never saw. */
export interface SuiteProblem {
  name: string;
  task: EvaluationTaskName;
  arch?: string;
  batch: number;
  steps: number;
  /** Training records behind the curves' training loss (fewer for the slower conv net). */
  trainRecords: number;
  /** What is held out, in words, against the family of `lopt-family` (docs/results.md). */
  heldOut: string;
}

/**
 * Problems the shipped family never drew (its MLPs: depth 1–2, widths 16–64, batches 16–64,
 * T = 50–500): a wider MLP within the trained horizons and over a longer run, a conv net, a
 * larger batch, and a horizon four times its longest.
 */
export const HELD_OUT_SUITE: readonly SuiteProblem[] = [
  {
    name: 'wide-mlp-300',
    task: 'mnist-mlp',
    arch: '784-128-128-10',
    batch: 32,
    steps: 300,
    trainRecords: 10_000,
    heldOut: 'width 128 (family ≤ 64), within the trained horizons',
  },
  {
    name: 'wide-mlp',
    task: 'mnist-mlp',
    arch: '784-128-128-10',
    batch: 32,
    steps: 1000,
    trainRecords: 10_000,
    heldOut: 'width 128 (family ≤ 64) for 1,000 steps (family ≤ 500)',
  },
  {
    name: 'conv-net',
    task: 'mnist-conv',
    batch: 32,
    steps: 300,
    trainRecords: 2_000,
    heldOut: 'a convolutional network (family: MLPs only)',
  },
  {
    name: 'large-batch',
    task: 'mnist-mlp',
    arch: '784-32-10',
    batch: 256,
    steps: 500,
    trainRecords: 10_000,
    heldOut: 'batch 256 (family ≤ 64)',
  },
  {
    name: 'long-horizon',
    task: 'mnist-mlp',
    arch: '784-32-10',
    batch: 32,
    steps: 2000,
    trainRecords: 10_000,
    heldOut: '2,000 steps, 4× the longest trained horizon',
  },
];

export const SUITES: Record<string, readonly SuiteProblem[]> = { 'held-out': HELD_OUT_SUITE };

/** A suite's verdict threshold: the learned optimizer's final training loss within this factor of tuned Adam's. */
export const WITHIN_FACTOR = 2;
