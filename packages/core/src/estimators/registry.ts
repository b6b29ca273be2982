import type { Task } from '../task.js';
import { bptt, tbptt } from './backprop.js';
import { fullEs } from './full-es.js';
import { noiseReuseEs } from './noise-reuse-es.js';
import { persistentEs } from './pes.js';
import { truncatedEs } from './truncated-es.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

export interface EstimatorEntry {
  readonly name: string;
  readonly description: string;
  /** Whether the estimator perturbs θ (and so uses σ and antithetic pairs). */
  readonly usesNoise: boolean;
  /** Whether the task must declare a differentiable unroll. */
  readonly needsDifferentiable: boolean;
  /** Whether the task must have finite episodes. */
  readonly needsFiniteHorizon: boolean;
  create(task: Task, settings: EstimatorSettings): GradientEstimator;
}

/** Every estimator @pes offers, by the name the command line uses. */
export const estimatorRegistry: readonly EstimatorEntry[] = [
  {
    name: 'pes',
    description: 'Persistent ES: persistent particle states, accumulated perturbations; unbiased',
    usesNoise: true,
    needsDifferentiable: false,
    needsFiniteHorizon: false,
    create: (task, settings) => persistentEs(task, settings) as GradientEstimator,
  },
  {
    name: 'tes',
    description: 'Truncated ES: particles restart each unroll from a shared state; biased',
    usesNoise: true,
    needsDifferentiable: false,
    needsFiniteHorizon: false,
    create: (task, settings) => truncatedEs(task, settings) as GradientEstimator,
  },
  {
    name: 'es',
    description: 'ES over full episodes (unroll = horizon); unbiased, one update per episode',
    usesNoise: true,
    needsDifferentiable: false,
    needsFiniteHorizon: true,
    create: (task, settings) => fullEs(task, settings) as GradientEstimator,
  },
  {
    name: 'nres',
    description: 'Noise-reuse ES: one perturbation per particle per episode; unbiased',
    usesNoise: true,
    needsDifferentiable: false,
    needsFiniteHorizon: false,
    create: (task, settings) => noiseReuseEs(task, settings) as GradientEstimator,
  },
  {
    name: 'tbptt',
    description: 'Truncated backprop through K steps, states advanced with θ; biased',
    usesNoise: false,
    needsDifferentiable: true,
    needsFiniteHorizon: false,
    create: (task, settings) => tbptt(task, settings) as GradientEstimator,
  },
  {
    name: 'bptt',
    description: 'Backprop through whole episodes; exact, memory and time grow with T',
    usesNoise: false,
    needsDifferentiable: true,
    needsFiniteHorizon: true,
    create: (task, settings) => bptt(task, settings) as GradientEstimator,
  },
];

export function findEstimator(name: string): EstimatorEntry | undefined {
  return estimatorRegistry.find((entry) => entry.name === name);
}

/** Why `entry` cannot run on `task`, or undefined when it can. */
export function estimatorUnsupportedReason(entry: EstimatorEntry, task: Task): string | undefined {
  if (entry.needsDifferentiable && !task.differentiable) {
    return `estimator ${entry.name} needs a differentiable task; ${task.name} does not declare one`;
  }
  if (entry.needsFiniteHorizon && !Number.isFinite(task.horizon)) {
    return `estimator ${entry.name} needs finite episodes; ${task.name} never ends`;
  }
  return undefined;
}
