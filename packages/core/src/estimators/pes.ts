import { normal, split, type Key } from '../random.js';
import type { Task } from '../task.js';
import {
  countEnded,
  disposeTaskState,
  finiteParticles,
  groupSize,
  meanObjective,
  resolveSettings,
  restoreTaskState,
  snapshotTaskState,
  staggerOffsets,
  zeroRows,
  restartDiverged,
} from './common.js';
import {
  pesAccumulators,
  perturbationGradient,
  perturbations,
  perturbedThetas,
} from './pes-gradient.js';
import type { EstimatorSettings, GradientEstimator } from './types.js';

export interface PesState<S> {
  /** Every particle's inner state, kept between unrolls until its episode ends. */
  task: S;
  /** ξ: particles × dim, the perturbations accumulated over each particle's episode. */
  accumulators: Float64Array;
}

/**
 * Persistent Evolution Strategies (Vicol, Metz, Sohl-Dickstein 2021): particles keep their
 * own inner states across truncations and weight their losses by the accumulated
 * perturbation ξ, which makes the estimate unbiased for the smoothed full-horizon objective.
 */
export function persistentEs<S>(
  task: Task<S>,
  settings: EstimatorSettings,
): GradientEstimator<PesState<S>> {
  const s = resolveSettings(settings, { usesNoise: true });
  const { particles, unrollLength: steps, sigma } = s;
  const dim = task.dim;
  const group = groupSize(s);
  return {
    name: 'pes',
    init(_theta: Float64Array, key: Key): PesState<S> {
      const [initKey, staggerKey] = split(key, 2) as [Key, Key];
      const stepOffsets = staggerOffsets(staggerKey, task as Task, s);
      return {
        task: task.init(initKey, particles, { stepOffsets }),
        accumulators: new Float64Array(particles * dim),
      };
    },
    estimate(theta, state, key) {
      const [noiseKey, unrollKey, resetKey] = split(key, 3) as [Key, Key, Key];
      const z = normal(noiseKey, (particles / group) * dim);
      const eps = perturbations(z, particles, dim, sigma, s.antithetic);
      const unrolled = task.unroll(
        state.task,
        perturbedThetas(theta, eps, particles),
        steps,
        unrollKey,
      );
      const { include, excluded, excludedCount } = finiteParticles(
        unrolled.losses,
        particles,
        steps,
        group,
      );
      const { grad, objectives } = perturbationGradient({
        particles,
        steps,
        dim,
        losses: unrolled.losses,
        done: unrolled.done,
        accumulators: state.accumulators,
        eps,
        sigma,
        include,
        fitnessShaping: s.fitnessShaping,
        antithetic: s.antithetic,
      });
      const accumulators = pesAccumulators(
        state.accumulators,
        eps,
        unrolled.done,
        particles,
        steps,
        dim,
      );
      // A diverged particle starts a fresh episode with a fresh accumulator.
      const next = restartDiverged(task, unrolled.state, excluded, resetKey);
      zeroRows(accumulators, excluded, dim);
      return {
        grad,
        metaLoss: meanObjective(objectives, include),
        state: { task: next, accumulators },
        metrics: {
          innerSteps: particles * steps,
          episodesEnded: countEnded(unrolled.done),
          nonFiniteParticles: excludedCount,
        },
      };
    },
    snapshot: (state) => ({
      task: snapshotTaskState(task, state.task),
      accumulators: state.accumulators,
    }),
    restore(snapshot) {
      const { task: taskSnapshot, accumulators } = snapshot as {
        task: unknown;
        accumulators: unknown;
      };
      if (!(accumulators instanceof Float64Array) || accumulators.length !== particles * dim) {
        throw new TypeError('PES checkpoint: accumulators do not match particles × dim');
      }
      return { task: restoreTaskState(task, taskSnapshot), accumulators };
    },
    dispose: (state) => disposeTaskState(task, state.task),
  };
}
