import type { Task } from '../task.js';
import { disposeTaskState, resolveSettings } from './common.js';
import { esFamilyEstimator } from './es-family.js';
import { pesAnalyticGradient, tileTheta } from './pes-gradient.js';
import { accumulatedPerturbations, type PesState } from './pes.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

/**
 * PES-A: PES whose current-unroll term is the exact truncated gradient (one more,
 * differentiated, unroll from each particle's state at unperturbed θ), used also as a control
 * variate for the accumulated term. Same state as PES; lower variance; needs a differentiable task.
 */
export function pesAnalytic<S>(
  task: Task<S>,
  settings: EstimatorSettings,
): GradientEstimator<PesState<S>> {
  resolveSettings(settings, { usesNoise: true }); // a bad setting is named before the task
  if (!task.differentiable) {
    throw new RangeError(`PES-A needs a task with a differentiable unroll; ${task.name} has none`);
  }
  const differentiable = task.differentiable;
  const { particles, unrollLength: steps, sigma } = settings;
  const dim = task.dim;
  return esFamilyEstimator('pes-a', task, settings, {
    // PES-A keeps exactly PES's state; only the weighting differs.
    ...accumulatedPerturbations(task, settings),
    weigh({ theta, start, unrollKey, unrolled, eps, noise, include, drop }) {
      const exact = differentiable.unrollWithGradient(
        start,
        tileTheta(theta, particles),
        steps,
        unrollKey,
      );
      disposeTaskState(task, exact.state);
      for (let p = 0; p < particles; p++) {
        if (!exact.grads.subarray(p * dim, (p + 1) * dim).every(Number.isFinite)) drop(p);
      }
      const output = pesAnalyticGradient({
        particles,
        steps,
        dim,
        losses: unrolled.losses,
        done: unrolled.done,
        accumulators: noise.accumulators,
        eps,
        sigma,
        include,
        analytic: exact.grads,
      });
      return { ...output, innerSteps: particles * steps };
    },
  });
}
