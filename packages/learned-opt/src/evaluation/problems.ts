import {
  autoencoderNetwork,
  charLstmNetwork,
  convNetwork,
  parseArchitecture,
  type ImageData,
  type NetworkChoice,
} from '@pes/inner-problems';
import type { FamilyMember } from '../family/task-family.js';

/**
 * The evaluation protocol's problems: what a learned optimizer is judged on after meta-training
 * (`pes evaluate-optimizer`), and the held-out suite of problems its family never drew.
 */

/**
 * The evaluation's datasets: the families' images, and a text (@pes/inner-problems' embedded
 * passage, as next-character windows of TEXT_WINDOW characters: `charWindows`).
 */
export type EvaluationDataset = FamilyMember['dataset'] | 'text';

/** Characters a text problem's language model reads before each prediction. */
export const TEXT_WINDOW = 8;

/** A task of the evaluation: a dataset and a kind of network (`pes evaluate-optimizer --task`). */
export const EVALUATION_TASKS = {
  'mnist-mlp': { dataset: 'mnist', network: 'mlp', arch: '784-32-10' },
  'cifar10-mlp': { dataset: 'cifar10', network: 'mlp', arch: '3072-32-10' },
  'mnist-conv': { dataset: 'mnist', network: 'conv' },
  'cifar10-conv': { dataset: 'cifar10', network: 'conv' },
  'mnist-autoencoder': { dataset: 'mnist', network: 'autoencoder', arch: '784-128-32-128-784' },
  'text-lstm': { dataset: 'text', network: 'lstm' },
} as const satisfies Record<
  string,
  {
    dataset: EvaluationDataset;
    network: 'mlp' | 'conv' | 'autoencoder' | 'lstm';
    arch?: string;
  }
>;
export type EvaluationTaskName = keyof typeof EVALUATION_TASKS;

/** One problem to train: a task at a network size, batch, length and training-loss sample. */
export interface EvaluationProblem {
  task: EvaluationTaskName;
  /** An MLP's layer sizes ("784-128-128-10"; default: the task's); none for a conv net. */
  arch?: string;
  batch: number;
  steps: number;
  /** Training records behind the curves' training loss (fewer for the slower conv net). */
  trainRecords: number;
}

/** One problem of a suite: a task at a setting, and what about it meta-training never saw. */
export interface SuiteProblem extends EvaluationProblem {
  name: string;
  /** What is held out, in words, against the family of `lopt-family` (docs/results.md). */
  heldOut: string;
}

/**
 * The MLP learned optimizer's held-out problems (docs/results.md's figures for it): what its
 * family (depth 1–2, widths 16–64, batches 16–64, T = 50–500) never drew: a wider MLP within the
 * trained horizons and over a longer run, a conv net, a larger batch, and a horizon four times
 * its longest.
 */
export const MLP_FAMILY_HELD_OUT_SUITE: readonly SuiteProblem[] = [
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

/**
 * The longest horizon the normalised learned optimizer was meta-trained at
 * (weights/lopt-normalized.yaml): the held-out suite's 1× length.
 */
export const LONGEST_TRAINED_HORIZON = 2000;

/** Horizons of the held-out suite, as multiples of its 1× length, unless told (`--horizons`). */
export const DEFAULT_HORIZON_MULTIPLES: readonly number[] = [1, 5];

/**
 * The held-out suite (issue 25): problems the normalised optimizer's family (MNIST and CIFAR-10
 * in grey at 8×8; MLPs of depth 1–2, widths 16–64; batches 16–64; T = 50–2,000) never drew, each
 * at LONGEST_TRAINED_HORIZON steps times each multiple of `--horizons`. Every one is at full
 * resolution (784 or 3,072 inputs against the family's 64), and each holds out one more thing.
 */
export const HELD_OUT_SUITE: readonly SuiteProblem[] = [
  {
    name: 'mnist-conv',
    task: 'mnist-conv',
    batch: 32,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 2_000,
    heldOut: 'a conv net on MNIST at 28×28 (family: MLPs on 8×8)',
  },
  {
    name: 'cifar10-conv',
    task: 'cifar10-conv',
    batch: 32,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 2_000,
    heldOut: 'a conv net on colour CIFAR-10 at 32×32',
  },
  {
    name: 'mlp-3x128',
    task: 'mnist-mlp',
    arch: '784-128-128-128-10',
    batch: 32,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 10_000,
    heldOut: '3 hidden layers of 128 (family: ≤ 2 of ≤ 64)',
  },
  {
    name: 'large-batch',
    task: 'mnist-mlp',
    arch: '784-32-10',
    batch: 256,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 10_000,
    heldOut: 'batch 256 (family ≤ 64)',
  },
  {
    name: 'wide-1024',
    task: 'mnist-mlp',
    arch: '784-1024-10',
    batch: 32,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 10_000,
    heldOut: 'a scale far from the family: width 1,024, 814k weights (family ≤ 9.0k)',
  },
  {
    name: 'deep-mlp',
    task: 'mnist-mlp',
    arch: '784-64-64-64-64-64-64-64-64-10',
    batch: 32,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 10_000,
    heldOut: '8 hidden layers, 4× the family’s deepest (as μLO’s deeper networks)',
  },
  {
    name: 'cifar10-mlp',
    task: 'cifar10-mlp',
    arch: '3072-128-10',
    batch: 64,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 10_000,
    heldOut: 'colour CIFAR-10 at 32×32, 3,072 inputs, width 128',
  },
  {
    name: 'mnist-mlp',
    task: 'mnist-mlp',
    arch: '784-32-10',
    batch: 32,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 10_000,
    heldOut: 'a family-sized MLP, but on 28×28 digits (784 inputs against 64)',
  },
  {
    name: 'char-lstm',
    task: 'text-lstm',
    batch: 32,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 10_000,
    heldOut: 'another class of problem: a character LSTM language model (recurrent, text)',
  },
  {
    name: 'autoencoder',
    task: 'mnist-autoencoder',
    batch: 32,
    steps: LONGEST_TRAINED_HORIZON,
    trainRecords: 10_000,
    heldOut: 'another kind of problem: a 784-128-32-128-784 autoencoder under squared error',
  },
];

export const SUITES: Record<string, readonly SuiteProblem[]> = {
  'held-out': HELD_OUT_SUITE,
  'mlp-family-held-out': MLP_FAMILY_HELD_OUT_SUITE,
};

/** The suites whose problems run at multiples of LONGEST_TRAINED_HORIZON (`--horizons`). */
export const SUITES_AT_MULTIPLES: readonly string[] = ['held-out'];

/** A problem of one task alone, at the task's defaults where `setting` leaves them out. */
export function taskProblem(
  task: EvaluationTaskName,
  setting: Partial<Omit<EvaluationProblem, 'task'>> & Pick<EvaluationProblem, 'trainRecords'>,
): EvaluationProblem {
  return {
    task,
    ...(setting.arch !== undefined ? { arch: setting.arch } : {}),
    batch: setting.batch ?? 32,
    steps: setting.steps ?? 200,
    trainRecords: setting.trainRecords,
  };
}

/** Steps between points of the loss curves unless set: about 20 points per run. */
export function defaultEvalEvery(steps: number): number {
  return Math.max(1, Math.round(steps / 20));
}

/**
 * A problem that does not fit its data or its network. The message names the problem's field
 * first (`arch …`), so that a command can name the flag the field came from (`--arch …`).
 */
export class EvaluationProblemError extends Error {
  override readonly name = 'EvaluationProblemError';
}

/** The network a problem trains, checked against its data, with its description for the files. */
export type ProblemNetwork = NetworkChoice & { description: string; arch?: string };

/** A problem's layer sizes, parsed; an unreadable `arch` is an EvaluationProblemError. */
function problemArchitecture(arch: string): readonly number[] {
  try {
    return parseArchitecture(arch);
  } catch (error) {
    throw new EvaluationProblemError(`arch: ${(error as Error).message}`);
  }
}

/** The network of `problem` on `data` (the task's dataset); throws EvaluationProblemError. */
export function problemNetwork(problem: EvaluationProblem, data: ImageData): ProblemNetwork {
  const task = EVALUATION_TASKS[problem.task];
  const features = data.train.features;
  const classes = data.train.classNames.length;
  if (task.network === 'lstm') {
    if (problem.arch !== undefined)
      throw new EvaluationProblemError(
        `arch sets an MLP's layers; ${problem.task} is a character LSTM`,
      );
    // Small, as the suite runs it for thousands of steps: its unrolled window is many small ops.
    const network = charLstmNetwork({ vocabulary: classes, window: features, hidden: 32 });
    return { network, description: network.description };
  }
  if (task.network === 'conv') {
    if (problem.arch !== undefined)
      throw new EvaluationProblemError(`arch sets an MLP's layers; ${problem.task} is a conv net`);
    const channels = features / data.train.channelSize;
    const network = convNetwork({ size: Math.sqrt(data.train.channelSize), channels, classes });
    return { network, description: network.description };
  }
  const arch = problem.arch ?? task.arch;
  if (task.network === 'autoencoder') {
    const widths = problemArchitecture(arch);
    if (widths[0] !== features || widths.at(-1) !== features)
      throw new EvaluationProblemError(
        `arch ${arch} does not fit ${task.dataset}: an autoencoder starts and ends at ${features}`,
      );
    const network = autoencoderNetwork(widths);
    return { network, description: network.description, arch };
  }
  const architecture = problemArchitecture(arch);
  if (architecture[0] !== features || architecture.at(-1) !== classes)
    throw new EvaluationProblemError(
      `arch ${arch} does not fit ${task.dataset}: it needs ${features} inputs and ${classes} outputs`,
    );
  return { architecture, activation: 'relu', description: `${arch} relu MLP`, arch };
}
