/**
 * The per-particle optimizers whose hyperparameters are tuned (their steps: inner-optimizers.ts).
 * Named here, beside the hyperparameters each one reads, so that the registry imports no tfjs.
 */
export type InnerOptimizerName = 'momentum' | 'adam';
export const INNER_OPTIMIZERS: readonly InnerOptimizerName[] = ['momentum', 'adam'];

/**
 * The hyperparameters `tuneHyperparameters` can tune, each declared once: its default range and
 * scale, whether it may follow a schedule over training, the value an untuned run uses, the
 * per-particle optimizers that take it and what they do with it (`inner-optimizers.ts`). The
 * search-space validation, the θ encoding, the task and the tf.Optimizer of a result all read
 * this list, so a new hyperparameter is one entry here and one use in the step.
 */
export interface StepHyperparameters {
  learningRate: number;
  momentum: number;
  weightDecay: number;
  adamBeta1: number;
  /** Per layer with trainable weights, a factor on `learningRate`; empty: 1 for every layer. */
  layerLearningRate: readonly number[];
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
  /** The value of a hyperparameter the search space leaves out (of each layer's, if per layer). */
  readonly fixed: number;
  /** One value per layer with trainable weights, not one for the model. */
  readonly perLayer?: boolean;
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
  {
    name: 'layerLearningRate',
    role: 'per-layer factor on the learning rate: layer l steps with learningRate · layerLearningRate[l]',
    optimizers: ['momentum', 'adam'],
    bounds: [1e-4, 1e4],
    defaultRange: [0.1, 10],
    log: true,
    schedulable: false,
    fixed: 1,
    perLayer: true,
  },
];

export function findHyperparameter(name: string): HyperparameterEntry | undefined {
  return hyperparameterRegistry.find((h) => h.name === name);
}

/** The values of an untuned run: every entry's `fixed` (a per-layer one: empty, 1 everywhere). */
export function fixedHyperparameters(): StepHyperparameters {
  const values: Record<string, number | readonly number[]> = {};
  for (const h of hyperparameterRegistry) values[h.name] = h.perLayer ? [] : h.fixed;
  return values as unknown as StepHyperparameters;
}

/** The learning rate of layer `layer`: the shared rate times the layer's factor. */
export function layerRate(h: StepHyperparameters, layer: number): number {
  return h.learningRate * (h.layerLearningRate[layer] ?? 1);
}
