import { fullEs } from '../estimators/full-es.js';
import { noiseReuseEs } from '../estimators/noise-reuse-es.js';
import { persistentEs } from '../estimators/pes.js';
import type { GradientEstimator } from '../estimators/types.js';
import { foldIn, split, type Key } from '../random.js';
import type { Task } from '../task.js';

export interface UnrollVarianceSettings {
  /** K values; each must divide the task's horizon T. */
  unrollLengths: readonly number[];
  particles: number;
  repeats: number;
  /** Particles of the full-horizon ES reference gradient. */
  referenceParticles: number;
  sigma: number;
  /** Which estimators to measure: PES and noise-reuse ES by default. */
  estimators?: readonly ('pes' | 'nres')[];
  key: Key;
  /** Called after each (estimator, K) with its figure, for progress. */
  onPoint?: (point: UnrollVariancePoint) => void;
}

export interface UnrollVariancePoint {
  estimator: 'pes' | 'nres';
  unrollLength: number;
  /** T / K */
  unrolls: number;
  /** Mean over repeats of ‖g_ref − ĝ‖² / ‖g_ref‖², ĝ summed over the T/K unrolls of one episode. */
  meanError: number;
  standardError: number;
}

function sumOverEpisode<E>(
  estimator: GradientEstimator<E>,
  theta: Float64Array,
  key: Key,
  unrolls: number,
  dim: number,
) {
  const [initKey, loopKey] = split(key, 2) as [Key, Key];
  let state = estimator.init(theta, initKey);
  const sum = new Float64Array(dim);
  for (let j = 0; j < unrolls; j++) {
    const r = estimator.estimate(theta, state, foldIn(loopKey, j));
    for (let i = 0; i < dim; i++) sum[i]! += r.grad[i]!;
    estimator.dispose(state);
    state = r.state;
  }
  estimator.dispose(state);
  return sum;
}

/**
 * The paper's variance analysis (docs/paper.md f) for any task with finite episodes: the error of
 * the PES gradient summed over the T/K unrolls of one episode, against a full-horizon ES
 * reference with many particles, for each K. As the number of unrolls grows the error first
 * falls, then rises at a rate set by how correlated successive unrolls' gradients are.
 */
export function unrollVariance(task: Task, theta: Float64Array, settings: UnrollVarianceSettings) {
  const T = task.horizon;
  if (!Number.isFinite(T))
    throw new RangeError(
      `${task.name} never ends: the variance analysis needs episodes of finite length`,
    );
  for (const K of settings.unrollLengths) {
    if (!Number.isInteger(K) || K < 1 || T % K !== 0) {
      throw new RangeError(`unroll length ${K} does not divide the horizon T = ${T}`);
    }
  }
  const [referenceKey, repeatKey] = split(settings.key, 2) as [Key, Key];
  const reference = sumOverEpisode(
    fullEs(task, {
      particles: settings.referenceParticles,
      sigma: settings.sigma,
      unrollLength: T,
    }),
    theta,
    referenceKey,
    1,
    task.dim,
  );
  const referenceNorm = reference.reduce((a, v) => a + v * v, 0);
  const points: UnrollVariancePoint[] = [];
  for (const name of settings.estimators ?? ['pes', 'nres']) {
    for (const K of settings.unrollLengths) {
      const make = name === 'pes' ? persistentEs : noiseReuseEs;
      const estimator = make(task, {
        particles: settings.particles,
        sigma: settings.sigma,
        unrollLength: K,
        stagger: false,
      });
      const errors: number[] = [];
      for (let r = 0; r < settings.repeats; r++) {
        const g = sumOverEpisode(
          estimator as GradientEstimator,
          theta,
          foldIn(foldIn(repeatKey, K), r),
          T / K,
          task.dim,
        );
        let sq = 0;
        for (let i = 0; i < task.dim; i++) {
          const miss = reference[i]! - g[i]!;
          sq += miss * miss;
        }
        errors.push(sq / referenceNorm);
      }
      const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
      const variance =
        errors.reduce((a, e) => a + (e - mean) * (e - mean), 0) / Math.max(1, errors.length - 1);
      const point = {
        estimator: name,
        unrollLength: K,
        unrolls: T / K,
        meanError: mean,
        standardError: Math.sqrt(variance / errors.length),
      };
      points.push(point);
      settings.onPoint?.(point);
    }
  }
  return { referenceNorm: Math.sqrt(referenceNorm), points };
}
