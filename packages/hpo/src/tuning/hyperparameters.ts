import type { InnerOptimizerName } from './inner-optimizers.js';

/**
 * The hyperparameters `tuneHyperparameters` can tune, each declared once: its default range and
 * scale, whether it may follow a schedule over training, the value an untuned run uses, the
 * per-particle optimizers that take it and what they do with it (`inner-optimizers.ts`). The search-space validation, the θ encoding, the task and the tf.Optimizer of a
 * result all read this list, so a new hyperparameter is one entry here and one use in the step.
 */
export interface StepHyperparameters {
  learningRate: number;
  momentum: number;
  weightDecay: number;
  adamBeta1: number;
}

export type HyperparameterName = keyof StepHyperparameters;

export interface HyperparameterEntry {
  readonly name: HyperparameterName;
  /** What the optimizer does with it, for docs and error messages. */
  readonly role: string;
  /** The inner optimizers that use it. */
  readonly optimizers: readonly InnerOptimizerName[];
  /** The widest range a search space may ask for: outside it the update makes no sense. */
  readonly bounds: readonly [number, number];
  /** The range tuned when the search space gives none. */
  readonly defaultRange: readonly [number, number];
  /** Whether the default range is searched in log space. */
  readonly log: boolean;
  /** Whether `{ schedule: NAME }` is accepted (a value that changes over training). */
  readonly schedulable: boolean;
  /** The value of a hyperparameter the search space leaves out. */
  readonly fixed: number;
}

export const hyperparameterRegistry: readonly HyperparameterEntry[] = [
  {
    name: 'learningRate',
    role: 'step size: w ← w − learningRate · v (momentum), · m̂/(√v̂ + ε) (adam)',
    optimizers: ['momentum', 'adam'],
    bounds: [1e-8, 10],
    defaultRange: [1e-5, 1],
    log: true,
    schedulable: true,
    fixed: 0.01,
  },
  {
    name: 'momentum',
    role: 'heavy-ball momentum: v ← momentum · v + g',
    optimizers: ['momentum'],
    bounds: [0, 0.9999],
    defaultRange: [0, 0.99],
    log: false,
    schedulable: false,
    fixed: 0,
  },
  {
    name: 'weightDecay',
    role: 'L2 weight decay added to the gradient: g ← ∇loss + weightDecay · w',
    optimizers: ['momentum', 'adam'],
    bounds: [0, 1],
    defaultRange: [1e-6, 1e-2],
    log: true,
    schedulable: false,
    fixed: 0,
  },
  {
    name: 'adamBeta1',
    role: 'Adam’s first-moment decay: m ← adamBeta1 · m + (1 − adamBeta1) · g',
    optimizers: ['adam'],
    bounds: [0, 0.9999],
    defaultRange: [0.5, 0.99],
    log: false,
    schedulable: false,
    fixed: 0.9,
  },
];

export function findHyperparameter(name: string): HyperparameterEntry | undefined {
  return hyperparameterRegistry.find((h) => h.name === name);
}

/** The values of an untuned run: every entry's `fixed`. */
export function fixedHyperparameters(): StepHyperparameters {
  const values = {} as StepHyperparameters;
  for (const h of hyperparameterRegistry) values[h.name] = h.fixed;
  return values;
}
