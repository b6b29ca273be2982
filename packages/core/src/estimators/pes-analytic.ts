import { normal, split, type Key } from '../random.js';
import type { Task } from '../task.js';
import {
  countEnded,
  disposeTaskState,
  finiteParticles,
  groupSize,
  meanObjective,
  resolveSettings,
  zeroRows,
  restartDiverged,
} from './common.js';
import {
  pesAccumulators,
  pesAnalyticGradient,
  perturbations,
  perturbedThetas,
  tileTheta,
} from './pes-gradient.js';
import { persistentEs, type PesState } from './pes.js';
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
  const s = resolveSettings(settings, { usesNoise: true });
  if (!task.differentiable) {
    throw new RangeError(`PES-A needs a task with a differentiable unroll; ${task.name} has none`);
  }
  const differentiable = task.differentiable;
  const { particles, unrollLength: steps, sigma } = s;
  const dim = task.dim;
  const group = groupSize(s);
  // PES-A keeps exactly PES's state; only the estimate differs.
  const pes = persistentEs(task, settings);
  return {
    ...pes,
    name: 'pes-a',
    estimate(theta, state, key) {
      const [noiseKey, unrollKey, resetKey] = split(key, 3) as [Key, Key, Key];
      const eps = perturbations(
        normal(noiseKey, (particles / group) * dim),
        particles,
        dim,
        sigma,
        s.antithetic,
      );
      const unrolled = task.unroll(
        state.task,
        perturbedThetas(theta, eps, particles),
        steps,
        unrollKey,
      );
      const exact = differentiable.unrollWithGradient(
        state.task,
        tileTheta(theta, particles),
        steps,
        unrollKey,
      );
      disposeTaskState(task, exact.state);
      const { include, excluded, excludedCount } = finiteParticles(
        unrolled.losses,
        particles,
        steps,
        group,
      );
      for (let p = 0; p < particles; p++) {
        if (!exact.grads.subarray(p * dim, (p + 1) * dim).every(Number.isFinite)) {
          const first = p - (p % group);
          for (let q = first; q < first + group; q++) [include[q], excluded[q]] = [0, 1];
        }
      }
      const { grad, objectives } = pesAnalyticGradient({
        particles,
        steps,
        dim,
        losses: unrolled.losses,
        done: unrolled.done,
        accumulators: state.accumulators,
        eps,
        sigma,
        include,
        analytic: exact.grads,
      });
      const accumulators = pesAccumulators(
        state.accumulators,
        eps,
        unrolled.done,
        particles,
        steps,
        dim,
      );
      const dropped = excluded.reduce((a, b) => a + b, 0);
      const next = restartDiverged(task, unrolled.state, excluded, resetKey);
      zeroRows(accumulators, excluded, dim);
      return {
        grad,
        metaLoss: meanObjective(objectives, include),
        state: { task: next, accumulators },
        metrics: {
          innerSteps: 2 * particles * steps,
          episodesEnded: countEnded(unrolled.done),
          nonFiniteParticles: Math.max(dropped, excludedCount),
        },
      };
    },
  };
}
