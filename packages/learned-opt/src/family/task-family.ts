import { exp, foldIn, type Key, log, uniform } from '@pes/core';
import type { Activation } from '@pes/inner-problems';
import {
  sampleReparameterisation,
  type Reparameterisation,
  type ReparameterisationRange,
} from './reparameterisation.js';

/**
 * A distribution over inner problems, after learned_optimization's task families: each draw is
 * an MLP classifier (dataset, depth, width, activation), a minibatch size and a horizon. A
 * learned optimizer meta-trained over draws of a family, rather than one task, has to train
 * networks in general: it cannot overfit one width, one loss scale or one T. (Checked, as a
 * run's setting, by `taskFamilySchema` in '@pes/learned-opt/tasks'.)
 */
export interface TaskFamily {
  /**
   * Datasets, each with the directory of its official files (MNIST: embedded without one) and,
   * when `size` is set, taken in grey at size×size (greyDownsample in @pes/inner-problems).
   */
  datasets: { name: Dataset; dir?: string | undefined; size?: number | undefined }[];
  /** Hidden layers per network (an MLP of depth d has d hidden layers of one width). */
  depths: number[];
  widths: number[];
  activations: Activation[];
  batchSizes: number[];
  /** Horizons T, drawn log-uniformly from [min, max] (rounded). */
  horizon: { min: number; max: number };
  /**
   * Fixed problems on which the run's evaluations are made (its full-run objective): one full
   * episode of each from a fresh network, the same every time.
   */
  evaluation: FamilyMember[];
  /**
   * When set, each drawn problem is reparameterised: its loss and each parameter tensor scaled
   * by log-uniform draws from these ranges (reparameterisation.ts). Evaluation problems never are.
   */
  reparameterisation?: ReparameterisationRange | undefined;
  /**
   * When set, a draw is a small conv net with probability `fraction` (smallConvNetwork in
   * @pes/inner-problems: per block of the drawn depth, a 3×3 'same' convolution of `filters`
   * filters, the drawn activation and a 2×2 max pool; then a dense layer), else an MLP. Drawn
   * from a key of its own, so a family without it draws exactly as before.
   */
  conv?: { fraction: number; filters: number[] } | undefined;
}

/** One draw of a family: the inner problem of one particle for one episode. */
export interface FamilyMember {
  dataset: Dataset;
  /** Hidden layer widths; of a conv net, each block's filters. */
  hidden: number[];
  /** 'conv': a small conv net (TaskFamily's `conv`); absent: an MLP. */
  network?: 'conv' | undefined;
  activation: Activation;
  batchSize: number;
  horizon: number;
  /** The scales of the problem as the learned optimizer sees it; none: as it is. */
  reparameterisation?: Reparameterisation | undefined;
}

type Dataset = 'mnist' | 'cifar10';

/** The family the shipped learned optimizer was meta-trained on (docs/results.md). */
export const DEFAULT_TASK_FAMILY: TaskFamily = {
  datasets: [{ name: 'mnist' }],
  depths: [1, 2],
  widths: [16, 32, 64],
  activations: ['relu', 'tanh'],
  batchSizes: [16, 32, 64],
  horizon: { min: 50, max: 500 },
  evaluation: [{ dataset: 'mnist', hidden: [32], activation: 'relu', batchSize: 32, horizon: 200 }],
};

/** Salt of the key whether a draw is a conv net (and its filters) comes from: "cnv". */
const CONV_NETWORK = 0x63_6e_76;

/** `xs[⌊u·n⌋]`: a uniform choice from a uniform draw u in [0, 1). */
function choose<T>(xs: readonly T[], u: number): T {
  return xs[Math.min(xs.length - 1, Math.floor(u * xs.length))]!;
}

/** The inner problem a key draws from the family. */
export function sampleMember(family: TaskFamily, key: Key): FamilyMember {
  const u = uniform(key, 6);
  const depth = choose(family.depths, u[1]!);
  const width = choose(family.widths, u[2]!);
  const { min, max } = family.horizon;
  const logHorizon = log(min) + u[5]! * (log(max) - log(min));
  const member: FamilyMember = {
    dataset: choose(family.datasets, u[0]!).name,
    hidden: Array.from({ length: depth }, () => width),
    activation: choose(family.activations, u[3]!),
    batchSize: choose(family.batchSizes, u[4]!),
    horizon: Math.min(max, Math.max(min, Math.round(exp(logHorizon)))),
  };
  if (family.conv) {
    const c = uniform(foldIn(key, CONV_NETWORK), 2);
    if (c[0]! < family.conv.fraction) {
      member.network = 'conv';
      member.hidden = member.hidden.map(() => choose(family.conv!.filters, c[1]!));
    }
  }
  // Drawn from a key of its own, so a family without it draws exactly as before.
  if (family.reparameterisation) {
    // A weight matrix (or kernel) and a bias per layer.
    const tensors = 2 * (depth + 1);
    member.reparameterisation = sampleReparameterisation(family.reparameterisation, tensors, key);
  }
  return member;
}

/**
 * A member in words, for logs and errors: "mnist 784-32-32-10 tanh, batch 16, T = 120", or for a
 * conv net "mnist conv 8-8 → 10 relu, batch 16, T = 120".
 */
export function describeMember(member: FamilyMember, features: number, classes: number): string {
  const arch =
    member.network === 'conv'
      ? `conv ${member.hidden.join('-')} → ${classes}`
      : [features, ...member.hidden, classes].join('-');
  return `${member.dataset} ${arch} ${member.activation}, batch ${member.batchSize}, T = ${member.horizon}`;
}
