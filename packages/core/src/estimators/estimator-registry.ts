import type { Task } from '../task.js';
import { bptt, tbptt } from './backprop.js';
import { fullEs } from './full-es.js';
import { rtrl, uoro } from './forward-mode.js';
import { noiseReuseEs } from './noise-reuse-es.js';
import { pesAnalytic } from './pes-analytic.js';
import { persistentEs } from './pes.js';
import { truncatedEs } from './truncated-es.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

/** What the command line and `pes list` need to know of a method, whatever it is. */
export interface MethodDescription {
  readonly name: string;
  readonly description: string;
  /** Whether the estimator perturbs θ (and so uses σ and antithetic pairs). */
  readonly usesNoise: boolean;
  /** Whether the task must declare a differentiable unroll. */
  readonly needsDifferentiable: boolean;
  /** Whether the task must declare forward-mode Jacobians. */
  readonly needsForwardMode: boolean;
  /** Whether the task must have finite episodes. */
  readonly needsFiniteHorizon: boolean;
  /** Whether the method works on whole episodes and so ignores the unroll length K. */
  readonly ignoresUnroll: boolean;
}

export interface EstimatorEntry extends MethodDescription {
  create(task: Task, settings: EstimatorSettings): GradientEstimator;
}

/** Every estimator @pes offers, by the name the command line uses. */
export const estimatorRegistry: readonly EstimatorEntry[] = [
  {
    name: 'pes',
    description: 'Persistent ES: persistent particle states, accumulated perturbations; unbiased',
    usesNoise: true,
    needsDifferentiable: false,
    needsForwardMode: false,
    needsFiniteHorizon: false,
    ignoresUnroll: false,
    create: (task, settings) => persistentEs(task, settings) as GradientEstimator,
  },
  {
    name: 'tes',
    description: 'Truncated ES: particles restart each unroll from a shared state; biased',
    usesNoise: true,
    needsDifferentiable: false,
    needsForwardMode: false,
    needsFiniteHorizon: false,
    ignoresUnroll: false,
    create: (task, settings) => truncatedEs(task, settings) as GradientEstimator,
  },
  {
    name: 'es',
    description: 'ES over full episodes (unroll = horizon); unbiased, one update per episode',
    usesNoise: true,
    needsDifferentiable: false,
    needsForwardMode: false,
    needsFiniteHorizon: true,
    ignoresUnroll: true,
    create: (task, settings) => fullEs(task, settings) as GradientEstimator,
  },
  {
    name: 'nres',
    description: 'Noise-reuse ES: one perturbation per particle per episode; unbiased',
    usesNoise: true,
    needsDifferentiable: false,
    needsForwardMode: false,
    needsFiniteHorizon: false,
    ignoresUnroll: false,
    create: (task, settings) => noiseReuseEs(task, settings) as GradientEstimator,
  },
  {
    name: 'tbptt',
    description: 'Truncated backprop through K steps, states advanced with θ; biased',
    usesNoise: false,
    needsDifferentiable: true,
    needsForwardMode: false,
    needsFiniteHorizon: false,
    ignoresUnroll: false,
    create: (task, settings) => tbptt(task, settings) as GradientEstimator,
  },
  {
    name: 'bptt',
    description: 'Backprop through whole episodes; exact, memory and time grow with T',
    usesNoise: false,
    needsDifferentiable: true,
    needsForwardMode: false,
    needsFiniteHorizon: true,
    ignoresUnroll: true,
    create: (task, settings) => bptt(task, settings) as GradientEstimator,
  },
  {
    name: 'pes-a',
    description: 'PES with the exact gradient of the current unroll as control variate; unbiased',
    usesNoise: true,
    needsDifferentiable: true,
    needsForwardMode: false,
    needsFiniteHorizon: false,
    ignoresUnroll: false,
    create: (task, settings) => pesAnalytic(task, settings) as GradientEstimator,
  },
  {
    name: 'rtrl',
    description: 'Real-time recurrent learning: ds/dθ carried forward; exact, O(n²·dim) a step',
    usesNoise: false,
    needsDifferentiable: false,
    needsForwardMode: true,
    needsFiniteHorizon: false,
    ignoresUnroll: false,
    create: (task, settings) => rtrl(task, settings) as GradientEstimator,
  },
  {
    name: 'uoro',
    description: 'UORO: rank-one unbiased approximation of ds/dθ carried forward; noisy',
    usesNoise: false,
    needsDifferentiable: false,
    needsForwardMode: true,
    needsFiniteHorizon: false,
    ignoresUnroll: false,
    create: (task, settings) => uoro(task, settings) as GradientEstimator,
  },
];

export function findEstimator(name: string): EstimatorEntry | undefined {
  return estimatorRegistry.find((entry) => entry.name === name);
}

/** Why `entry` cannot run on `task`, or undefined when it can. */
export function estimatorUnsupportedReason(
  entry: MethodDescription,
  task: Task,
): string | undefined {
  if (entry.needsDifferentiable && !task.differentiable) {
    return `estimator ${entry.name} needs a differentiable task; ${task.name} does not declare one`;
  }
  if (entry.needsForwardMode && !task.forwardMode) {
    return `estimator ${entry.name} needs forward-mode Jacobians; ${task.name} does not declare them`;
  }
  if (entry.needsFiniteHorizon && !Number.isFinite(task.horizon)) {
    return `estimator ${entry.name} needs finite episodes; ${task.name} never ends`;
  }
  return undefined;
}
