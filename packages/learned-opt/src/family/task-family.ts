import { uniform, type Key } from '@pes/core';
// The registry entry: the choices without loading tfjs (the command line lists tasks from here).
import { ACTIVATIONS, DATASETS } from '@pes/inner-problems/tasks';
import { z } from 'zod';

/**
 * A distribution over inner problems, after learned_optimization's task families: each draw is
 * an MLP classifier (dataset, depth, width, activation), a minibatch size and a horizon. A
 * learned optimizer meta-trained over draws of a family, rather than one task, has to train
 * networks in general: it cannot overfit one width, one loss scale or one T.
 */
const positiveIntegers = (what: string) =>
  z.array(z.number().int().positive()).min(1, `${what}: at least one`);

const memberSchema = z.strictObject({
  dataset: z.enum(DATASETS),
  hidden: z.array(z.number().int().positive()).min(1).describe('hidden layer widths'),
  activation: z.enum(ACTIVATIONS),
  batchSize: z.number().int().positive(),
  horizon: z.number().int().positive(),
});

export const taskFamilySchema = z
  .strictObject({
    /** Datasets, each with the directory of its official files (MNIST: embedded without one). */
    datasets: z
      .array(z.strictObject({ name: z.enum(DATASETS), dir: z.string().min(1).optional() }))
      .min(1, 'datasets: at least one'),
    /** Hidden layers per network (an MLP of depth d has d hidden layers of one width). */
    depths: positiveIntegers('depths'),
    widths: positiveIntegers('widths'),
    activations: z.array(z.enum(ACTIVATIONS)).min(1, 'activations: at least one'),
    batchSizes: positiveIntegers('batchSizes'),
    /** Horizons T, drawn log-uniformly from [min, max] (rounded). */
    horizon: z
      .strictObject({ min: z.number().int().positive(), max: z.number().int().positive() })
      .refine((h) => h.min <= h.max, 'horizon: min must not exceed max'),
    /**
     * Fixed problems on which the run's evaluations are made (its full-run objective): one
     * full episode of each from a fresh network, the same every time.
     */
    evaluation: z.array(memberSchema).min(1, 'evaluation: at least one problem'),
  })
  .refine(
    (f) =>
      [...f.evaluation.map((m) => m.dataset)].every((d) => f.datasets.some((s) => s.name === d)),
    'evaluation: every problem must use one of the family’s datasets',
  );

export type TaskFamily = z.infer<typeof taskFamilySchema>;
/** One draw of a family: the inner problem of one particle for one episode. */
export type FamilyMember = z.infer<typeof memberSchema>;

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
  const logHorizon = Math.log(min) + u[5]! * (Math.log(max) - Math.log(min));
  return {
    dataset: choose(family.datasets, u[0]!).name,
    hidden: Array.from({ length: depth }, () => width),
    activation: choose(family.activations, u[3]!),
    batchSize: choose(family.batchSizes, u[4]!),
    horizon: Math.min(max, Math.max(min, Math.round(Math.exp(logHorizon)))),
  };
}

/** A member in words, for logs and errors: "mnist 784-32-32-10 tanh, batch 16, T = 120". */
export function describeMember(member: FamilyMember, features: number, classes: number): string {
  const arch = [features, ...member.hidden, classes].join('-');
  return `${member.dataset} ${arch} ${member.activation}, batch ${member.batchSize}, T = ${member.horizon}`;
}
