import {
  foldIn,
  split,
  type GradientEstimator,
  type Key,
  type LinearQuadraticState,
  type LinearQuadraticTask,
} from '../src/index.js';
import { addInto } from './statistics.js';

/**
 * The sum of `truncations` consecutive estimates at fixed θ, states persisting between them,
 * with the particles' initial episode clocks (their staggering) when the state has them.
 */
export function summedEstimates<E>(
  estimator: GradientEstimator<E>,
  theta: Float64Array,
  key: Key,
  truncations: number,
) {
  const [initKey, loopKey] = split(key, 2) as [Key, Key];
  let state = estimator.init(theta, initKey);
  const offsets = (state as { task?: LinearQuadraticState }).task?.t.slice() ?? new Int32Array();
  const sum = new Float64Array(theta.length);
  let episodesEnded = 0;
  for (let j = 0; j < truncations; j++) {
    const r = estimator.estimate(theta, state, foldIn(loopKey, j));
    addInto(sum, r.grad);
    episodesEnded += r.metrics.episodesEnded;
    state = r.state;
  }
  return { sum, offsets, episodesEnded };
}

/**
 * The truth for particles whose first episode starts `offset` steps in: the mean over particles
 * of the exact gradient of the losses each sees in global steps [0, steps). The first episode
 * is T − offset steps long from s_0 (the task's episode clock, not its dynamics, carries the
 * offset), the later ones T.
 */
export function staggeredTruth(
  task: LinearQuadraticTask,
  theta: Float64Array,
  offsets: Int32Array,
  steps: number,
): Float64Array {
  const truth = new Float64Array(task.dim);
  for (const offset of offsets) {
    let remaining = steps;
    let length = task.horizon - offset;
    while (remaining > 0) {
      const run = Math.min(remaining, length);
      addInto(truth, task.exactGradient(theta, 0, run));
      remaining -= run;
      length = task.horizon;
    }
  }
  return truth.map((v) => v / offsets.length);
}
