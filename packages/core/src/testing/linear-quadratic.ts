import type { Key } from '../random.js';
import type { Evaluation, InitOptions, StepJacobians, Task, UnrollResult } from '../task.js';
import { truncationSchedule } from '../truncation-schedule.js';

/**
 * A linear dynamical system driven by θ with a quadratic loss, for testing estimators:
 *
 *   s_{t+1} = A s_t + B θ,   L_t = ½ ‖s_{t+1} − y‖²,   s_0 fixed, episodes of T steps.
 *
 * Every loss is quadratic in the perturbed θ's of all steps, so the Gaussian-smoothed
 * objective of any perturbation scheme (one ε per unroll as in PES, one per episode as in
 * ES) is the objective at θ plus a constant: the true smoothed gradient is the exact
 * gradient, computed here in closed form by carrying ds/dθ forward.
 */
export interface LinearQuadraticConfig {
  /** n × n, row-major. */
  A: Float64Array;
  /** n × dim, row-major. */
  B: Float64Array;
  s0: Float64Array;
  target: Float64Array;
  horizon: number;
  theta0: Float64Array;
}

export interface LinearQuadraticState {
  /** particles × n */
  s: Float64Array;
  /** Steps taken in each particle's current episode. */
  t: Int32Array;
}

/**
 * The default instance: three coupled modes with eigenvalues 0.95, 0.9 and 0.8, so the
 * effect of θ on the loss builds up over tens of steps and short truncations miss most of it.
 */
export function defaultLinearQuadraticConfig(horizon = 100): LinearQuadraticConfig {
  return {
    A: Float64Array.of(0.9, 0.1, 0, 0, 0.8, 0.1, 0, 0, 0.95),
    B: Float64Array.of(0.1, 0, 0, 0.1, 0.05, 0.05),
    s0: Float64Array.of(0, 0, 0),
    target: Float64Array.of(1, -1, 0.5),
    horizon,
    theta0: Float64Array.of(0, 0),
  };
}

export interface LinearQuadraticTask extends Task<LinearQuadraticState> {
  readonly config: LinearQuadraticConfig;
  /**
   * Exact gradient of Σ_{t=from}^{to−1} L_t along an episode from s_0 with θ at every step:
   * the total derivative, through the state.
   */
  exactGradient(theta: Float64Array, from: number, to: number): Float64Array;
  /** The same losses differentiated with the state at step `from` held fixed (what truncation sees). */
  truncatedGradient(theta: Float64Array, from: number, to: number): Float64Array;
  /** Σ_{t=from}^{to−1} L_t along an episode from s_0 with θ at every step. */
  lossSum(theta: Float64Array, from: number, to: number): number;
}

export function linearQuadraticTask(
  config: LinearQuadraticConfig = defaultLinearQuadraticConfig(),
): LinearQuadraticTask {
  const n = config.s0.length;
  const dim = config.theta0.length;
  const { A, B, s0, target, horizon } = config;
  if (A.length !== n * n || B.length !== n * dim || target.length !== n) {
    throw new RangeError('linear-quadratic task: A must be n × n, B n × dim, target of length n');
  }
  if (!(horizon >= 1)) throw new RangeError(`horizon must be at least 1, got ${horizon}`);
  const schedule = truncationSchedule(horizon);

  /** One step for one particle: s ← A s + B θ, in place on `s` (length n); returns the loss. */
  const step = (s: Float64Array, theta: Float64Array, scratch: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v += A[i * n + j]! * s[j]!;
      for (let j = 0; j < dim; j++) v += B[i * dim + j]! * theta[j]!;
      scratch[i] = v;
    }
    for (let i = 0; i < n; i++) {
      s[i] = scratch[i]!;
      const miss = scratch[i]! - target[i]!;
      loss += 0.5 * miss * miss;
    }
    return loss;
  };

  /** J ← A J + B for J = ds/dθ (n × dim), in place. */
  const stepSensitivity = (J: Float64Array, scratch: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < dim; c++) {
        let v = B[i * dim + c]!;
        for (let j = 0; j < n; j++) v += A[i * n + j]! * J[j * dim + c]!;
        scratch[i * dim + c] = v;
      }
    }
    J.set(scratch.subarray(0, n * dim));
  };

  /** grad += Jᵀ (s − y) */
  const addLossGradient = (grad: Float64Array, J: Float64Array, s: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      const r = s[i]! - target[i]!;
      for (let c = 0; c < dim; c++) grad[c]! += J[i * dim + c]! * r;
    }
  };

  /**
   * Runs every particle `steps` steps, step by step across particles: with `withGradient` also
   * the truncated gradient of each particle's losses; with `visit` each step's Jacobians.
   */
  const run = (
    state: LinearQuadraticState,
    thetas: Float64Array,
    steps: number,
    withGradient: boolean,
    visit?: (step: number, jacobians: StepJacobians) => void,
  ): UnrollResult<LinearQuadraticState> & { grads: Float64Array } => {
    const particles = state.t.length;
    if (thetas.length !== particles * dim) {
      throw new RangeError(`expected ${particles} × ${dim} thetas, got ${thetas.length} numbers`);
    }
    const s = state.s.slice();
    const episodes = schedule.unroll(state.t, steps);
    const losses = new Float64Array(particles * steps);
    const grads = new Float64Array(withGradient ? particles * dim : 0);
    const scratch = new Float64Array(Math.max(n, n * dim));
    const J = new Float64Array(withGradient ? particles * n * dim : 0);
    const jacobians = visit ? constantJacobians(particles) : undefined;
    for (let k = 0; k < steps; k++) {
      for (let p = 0; p < particles; p++) {
        const sp = s.subarray(p * n, (p + 1) * n);
        losses[p * steps + k] = step(sp, thetas.subarray(p * dim, (p + 1) * dim), scratch);
        if (withGradient) {
          const Jp = J.subarray(p * n * dim, (p + 1) * n * dim);
          stepSensitivity(Jp, scratch);
          addLossGradient(grads.subarray(p * dim, (p + 1) * dim), Jp, sp);
        }
        const ended = episodes.step(p, k);
        if (jacobians) {
          for (let i = 0; i < n; i++) jacobians.lossStateGradient[p * n + i] = sp[i]! - target[i]!;
          jacobians.done[p] = ended ? 1 : 0;
        }
      }
      if (visit && jacobians) visit(k, jacobians);
      for (const p of episodes.endedAt(k)) {
        s.set(s0, p * n);
        if (withGradient) J.fill(0, p * n * dim, (p + 1) * n * dim); // the new episode does not depend on θ yet
      }
    }
    return { state: { s, t: episodes.t }, losses, done: episodes.done, grads };
  };

  /** A, B tiled over particles; the loss's direct θ-gradient is zero. */
  const constantJacobians = (particles: number): StepJacobians => {
    const stateJacobian = new Float64Array(particles * n * n);
    const thetaJacobian = new Float64Array(particles * n * dim);
    for (let p = 0; p < particles; p++) {
      stateJacobian.set(A, p * n * n);
      thetaJacobian.set(B, p * n * dim);
    }
    return {
      stateJacobian,
      thetaJacobian,
      lossStateGradient: new Float64Array(particles * n),
      lossThetaGradient: new Float64Array(particles * dim),
      done: new Uint8Array(particles),
    };
  };

  const along = (theta: Float64Array, from: number, to: number, holdStateAtFrom: boolean) => {
    const s = s0.slice();
    const J = new Float64Array(n * dim);
    const scratch = new Float64Array(Math.max(n, n * dim));
    const grad = new Float64Array(dim);
    let loss = 0;
    for (let k = 0; k < to; k++) {
      if (holdStateAtFrom && k === from) J.fill(0);
      const l = step(s, theta, scratch);
      stepSensitivity(J, scratch);
      if (k >= from) {
        loss += l;
        addLossGradient(grad, J, s);
      }
    }
    return { loss, grad };
  };

  const episodeWindow = (from: number, to: number) => {
    if (!(
      Number.isInteger(from) &&
      Number.isInteger(to) &&
      0 <= from &&
      from <= to &&
      to <= horizon
    )) {
      throw new RangeError(`steps [${from}, ${to}) do not lie in an episode of ${horizon}`);
    }
  };

  return {
    name: 'quadratic',
    dim,
    horizon,
    config,
    initialTheta: () => config.theta0.slice(),
    init(_key: Key, particles: number, options?: InitOptions): LinearQuadraticState {
      const s = new Float64Array(particles * n);
      for (let p = 0; p < particles; p++) s.set(s0, p * n);
      return { s, t: schedule.init(particles, options?.stepOffsets) };
    },
    unroll(state, thetas, steps) {
      const { state: next, losses, done } = run(state, thetas, steps, false);
      return { state: next, losses, done };
    },
    reset(state, mask) {
      const s = state.s.slice();
      for (let p = 0; p < state.t.length; p++) if (mask[p]) s.set(s0, p * n);
      return { s, t: schedule.reset(state.t, mask) };
    },
    gather(state, indices) {
      const s = new Float64Array(indices.length * n);
      indices.forEach((from, p) => s.set(state.s.subarray(from * n, (from + 1) * n), p * n));
      return { s, t: schedule.gather(state.t, indices) };
    },
    evaluate(theta): Evaluation {
      return { evalLoss: along(theta, 0, horizon, false).loss };
    },
    restore(snapshot) {
      const { s, t } = (snapshot ?? {}) as Partial<LinearQuadraticState>;
      if (!(s instanceof Float64Array) || !(t instanceof Int32Array) || s.length !== t.length * n) {
        throw new TypeError(
          'quadratic task checkpoint: state arrays have the wrong type or length',
        );
      }
      return { s, t };
    },
    differentiable: {
      unrollWithGradient: (state, thetas, steps) => run(state, thetas, steps, true),
    },
    forwardMode: {
      stateSize: n,
      unrollWithJacobians(state, thetas, steps, _key, visit) {
        const { state: next, losses, done } = run(state, thetas, steps, false, visit);
        return { state: next, losses, done };
      },
    },
    exactGradient(theta, from, to) {
      episodeWindow(from, to);
      return along(theta, from, to, false).grad;
    },
    truncatedGradient(theta, from, to) {
      episodeWindow(from, to);
      return along(theta, from, to, true).grad;
    },
    lossSum(theta, from, to) {
      episodeWindow(from, to);
      return along(theta, from, to, false).loss;
    },
  };
}
