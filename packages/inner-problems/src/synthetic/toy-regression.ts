import {
  cos,
  defineTask,
  type Evaluation,
  exp,
  pow,
  horizonOption,
  type InitOptions,
  sin,
  type StepJacobians,
  type Task,
  truncationSchedule,
  type UnrollResult,
} from '@pes/core';
import { z } from 'zod';

/**
 * The paper's toy 2-D regression (docs/paper.md b): plain SGD on
 *
 *   f(x) = √(x0² + 5) − √5 + sin²(x1)·exp(−5 x0²) + ¼ |x1 − 100|
 *
 * from x = (1, 1), with the learning rate interpolated linearly between exp(θ0) at t = 0 and
 * exp(θ1) at t = T. The meta-objective sums f after each step over the unroll; its surface in
 * θ is erratic (the sin² ripples), which truncated ES stalls on and PES's smoothing crosses.
 */
export const TOY_HORIZON = 100;
const X0 = [1, 1] as const;
const SQRT5 = Math.sqrt(5);

export interface ToyRegressionState {
  /** particles × 2 */
  x: Float64Array;
  /** Steps taken in each particle's current episode. */
  t: Int32Array;
}

export interface ToyRegressionTask extends Task<ToyRegressionState> {
  /** The full-horizon meta-objective at θ (the sum of f after each of the T steps). */
  metaObjective(theta: ArrayLike<number>): number;
}

export function toyLoss(x0: number, x1: number): number {
  const s = sin(x1);
  return Math.sqrt(x0 * x0 + 5) - SQRT5 + s * s * exp(-5 * x0 * x0) + 0.25 * Math.abs(x1 - 100);
}

/**
 * f and ∇f at one point into out[0..2], with the two factors the Hessian reuses, exp(−5 x0²) and
 * sin(2 x1), in out[3..4]: three elementary calls a point, each point evaluated once.
 */
function toyPoint(x0: number, x1: number, out: Float64Array, o: number): void {
  const e = exp(-5 * x0 * x0);
  const s = sin(x1);
  const s2 = sin(2 * x1);
  const root = Math.sqrt(x0 * x0 + 5);
  out[o] = root - SQRT5 + s * s * e + 0.25 * Math.abs(x1 - 100);
  out[o + 1] = x0 / root - 10 * x0 * s * s * e;
  out[o + 2] = s2 * e + 0.25 * Math.sign(x1 - 100);
  out[o + 3] = e;
  out[o + 4] = s2;
}

/** The Hessian of f at a point whose toyPoint is at[o..o+4], row-major into out[0..3]. */
function toyHessian(x0: number, x1: number, at: Float64Array, o: number, out: Float64Array): void {
  const e = at[o + 3]!;
  const s = sin(x1);
  out[0] = 5 / pow(x0 * x0 + 5, 1.5) + s * s * e * (100 * x0 * x0 - 10);
  out[1] = out[2] = -10 * x0 * at[o + 4]! * e;
  out[3] = 2 * cos(2 * x1) * e;
}

export function toyRegressionTask(horizon = TOY_HORIZON): ToyRegressionTask {
  if (!(Number.isInteger(horizon) && horizon >= 1)) {
    throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  }
  const schedule = truncationSchedule(horizon);
  /**
   * The shared inner loop: SGD steps for every particle, step by step across particles; with
   * `grads` the truncated gradient of each particle's losses, with `visit` each step's Jacobians.
   */
  const run = (
    state: ToyRegressionState,
    thetas: Float64Array,
    steps: number,
    grads?: Float64Array,
    visit?: (step: number, jacobians: StepJacobians) => void,
  ): UnrollResult<ToyRegressionState> => {
    const particles = state.t.length;
    if (thetas.length !== particles * 2)
      throw new RangeError(`expected ${particles} × 2 thetas, got ${thetas.length}`);
    const x = state.x.slice();
    const episodes = schedule.unroll(state.t, steps);
    const losses = new Float64Array(particles * steps);
    const needsDerivatives = grads !== undefined || visit !== undefined;
    // θ is fixed through an unroll: exp(θ) once per particle.
    const rate0 = new Float64Array(particles);
    const rate1 = new Float64Array(particles);
    // Each particle's current point, evaluated once and reused by the step that leaves it.
    const here = new Float64Array(particles * 5);
    for (let p = 0; p < particles; p++) {
      rate0[p] = exp(thetas[2 * p]!);
      rate1[p] = exp(thetas[2 * p + 1]!);
      toyPoint(x[2 * p]!, x[2 * p + 1]!, here, 5 * p);
    }
    const h = new Float64Array(4);
    const J = new Float64Array(grads ? particles * 4 : 0); // dx/dθ per particle, from the incoming state
    const jac: StepJacobians | undefined = visit && {
      stateJacobian: new Float64Array(particles * 4),
      thetaJacobian: new Float64Array(particles * 4),
      lossStateGradient: new Float64Array(particles * 2),
      lossThetaGradient: new Float64Array(particles * 2),
      done: new Uint8Array(particles),
    };
    for (let k = 0; k < steps; k++) {
      for (let p = 0; p < particles; p++) {
        const tp = episodes.t[p]!;
        const dlr0 = rate0[p]! * ((horizon - tp) / horizon);
        const dlr1 = rate1[p]! * (tp / horizon);
        const lr = dlr0 + dlr1;
        const a = x[2 * p]!;
        const b = x[2 * p + 1]!;
        const o = 5 * p;
        const g0 = here[o + 1]!;
        const g1 = here[o + 2]!;
        const na = a - lr * g0;
        const nb = b - lr * g1;
        x[2 * p] = na;
        x[2 * p + 1] = nb;
        if (needsDerivatives) {
          // ∂x'/∂x = I − lr H;  ∂x'/∂θ = −∇f ⊗ ∂lr/∂θ
          toyHessian(a, b, here, o, h);
          const Fs0 = 1 - lr * h[0]!;
          const Fs1 = -lr * h[1]!;
          const Fs2 = -lr * h[2]!;
          const Fs3 = 1 - lr * h[3]!;
          const Ft0 = -g0 * dlr0;
          const Ft1 = -g0 * dlr1;
          const Ft2 = -g1 * dlr0;
          const Ft3 = -g1 * dlr1;
          toyPoint(na, nb, here, o); // the loss after the step, and ∂ℓ/∂x' there
          if (grads) {
            const q = 4 * p;
            const [j0, j1, j2, j3] = [J[q]!, J[q + 1]!, J[q + 2]!, J[q + 3]!];
            J[q] = Fs0 * j0 + Fs1 * j2 + Ft0;
            J[q + 1] = Fs0 * j1 + Fs1 * j3 + Ft1;
            J[q + 2] = Fs2 * j0 + Fs3 * j2 + Ft2;
            J[q + 3] = Fs2 * j1 + Fs3 * j3 + Ft3;
            grads[2 * p]! += here[o + 1]! * J[q]! + here[o + 2]! * J[q + 2]!;
            grads[2 * p + 1]! += here[o + 1]! * J[q + 1]! + here[o + 2]! * J[q + 3]!;
          }
          if (jac) {
            jac.stateJacobian.set([Fs0, Fs1, Fs2, Fs3], 4 * p);
            jac.thetaJacobian.set([Ft0, Ft1, Ft2, Ft3], 4 * p);
            jac.lossStateGradient[2 * p] = here[o + 1]!;
            jac.lossStateGradient[2 * p + 1] = here[o + 2]!;
          }
        } else {
          toyPoint(na, nb, here, o);
        }
        losses[p * steps + k] = here[o]!;
        const ended = episodes.step(p, k);
        if (jac) jac.done[p] = ended ? 1 : 0;
      }
      if (visit && jac) visit(k, jac);
      for (const p of episodes.endedAt(k)) {
        x.set(X0, 2 * p);
        toyPoint(X0[0], X0[1], here, 5 * p);
        if (grads) J.fill(0, 4 * p, 4 * p + 4);
      }
    }
    return { state: { x, t: episodes.t }, losses, done: episodes.done };
  };

  const metaObjective = (theta: ArrayLike<number>) => {
    const start: ToyRegressionState = { x: Float64Array.from(X0), t: new Int32Array(1) };
    return run(start, Float64Array.of(theta[0]!, theta[1]!), horizon).losses.reduce(
      (s, l) => s + l,
      0,
    );
  };

  return {
    name: 'toy-regression',
    dim: 2,
    horizon,
    initialTheta: () => Float64Array.of(-4, -4),
    init(_key, particles, options?: InitOptions) {
      const x = new Float64Array(particles * 2);
      for (let p = 0; p < particles; p++) x.set(X0, 2 * p);
      return { x, t: schedule.init(particles, options?.stepOffsets) };
    },
    unroll: (state, thetas, steps) => run(state, thetas, steps),
    reset(state, mask) {
      const x = state.x.slice();
      for (let p = 0; p < mask.length; p++) if (mask[p]) x.set(X0, 2 * p);
      return { x, t: schedule.reset(state.t, mask) };
    },
    gather(state, indices) {
      const x = new Float64Array(indices.length * 2);
      indices.forEach((from, p) => x.set(state.x.subarray(2 * from, 2 * from + 2), 2 * p));
      return { x, t: schedule.gather(state.t, indices) };
    },
    evaluate: (theta): Evaluation => ({ evalLoss: metaObjective(theta) }),
    restore(snapshot) {
      const { x, t } = (snapshot ?? {}) as Partial<ToyRegressionState>;
      if (!(x instanceof Float64Array) || !(t instanceof Int32Array) || x.length !== 2 * t.length) {
        throw new TypeError(
          'toy-regression checkpoint: state arrays have the wrong type or length',
        );
      }
      return { x, t };
    },
    differentiable: {
      unrollWithGradient(state, thetas, steps) {
        const grads = new Float64Array(state.t.length * 2);
        return { ...run(state, thetas, steps, grads), grads };
      },
    },
    forwardMode: {
      stateSize: 2,
      unrollWithJacobians: (state, thetas, steps, _key, visit) =>
        run(state, thetas, steps, undefined, visit),
    },
    metaObjective,
  };
}

/** The paper's toy-regression setup: PES, K = 10, N = 100, σ = 0.3, Adam 1e-2 with β1 = 0.99. */
export const toyRegressionTaskSpec = defineTask({
  name: 'toy-regression',
  description: 'learning-rate schedule of SGD on a 2-D loss with an erratic meta-loss surface',
  options: z.strictObject({ horizon: horizonOption.optional() }),
  defaults: {
    horizon: TOY_HORIZON,
    particles: 100,
    sigma: 0.3,
    adamB1: 0.99,
    iterations: 5000,
    evalEvery: 10,
    checkpointEvery: 500,
  },
  estimatorDefaults: {
    es: { sigma: 1 },
    tbptt: { particles: 1 },
    bptt: { particles: 1 },
    rtrl: { particles: 1 },
    uoro: { particles: 1 },
  },
  create: async ({ horizon }) => toyRegressionTask(horizon),
});
