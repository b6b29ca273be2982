import {
  defineTask,
  type Evaluation,
  type StepJacobians,
  type Task,
  type UnrollResult,
} from '@pes/core';
import { z } from 'zod';

/**
 * Influence balancing (Tallec & Ollivier 2017, UORO; docs/paper.md a): a 23-dimensional linear
 * system s ← A s + θ·sign with A = ½ I + ½ (superdiagonal) and signs ten +1 then thirteen −1.
 * One step of θ raises s[0], but through the chain of states its long-run effect is negative:
 * short truncations see only the first and push θ the wrong way.
 *
 * The loss ½ (s[0] − 1)² is taken at the end of each truncation only; episodes never end.
 */
export const INFLUENCE_STATE_SIZE = 23;
const POSITIVE_SIGNS = 10;
export const INFLUENCE_EVAL_STEPS = 500;
export const INFLUENCE_INITIAL_THETA = 0.5;

const SIGNS = Float64Array.from({ length: INFLUENCE_STATE_SIZE }, (_, i) =>
  i < POSITIVE_SIGNS ? 1 : -1,
);

export interface InfluenceState {
  /** particles × 23 */
  s: Float64Array;
}

export interface InfluenceBalancingTask extends Task<InfluenceState> {
  /** The θ that zeroes the evaluation loss, in closed form (it is affine in θ). */
  optimalTheta(): number;
}

/** One step for one particle, in place: s_i ← ½ s_i + ½ s_{i+1} + θ·sign_i (bidiagonal A). */
function step(s: Float64Array, offset: number, theta: number): void {
  const last = offset + INFLUENCE_STATE_SIZE - 1;
  for (let i = offset; i < last; i++)
    s[i] = 0.5 * s[i]! + 0.5 * s[i + 1]! + theta * SIGNS[i - offset]!;
  s[last] = 0.5 * s[last]! + theta * SIGNS[INFLUENCE_STATE_SIZE - 1]!;
}

/** s[0] after `steps` steps from s_0 = 1 with constant θ. */
function firstComponentAfter(theta: number, steps: number): number {
  const s = new Float64Array(INFLUENCE_STATE_SIZE).fill(1);
  for (let k = 0; k < steps; k++) step(s, 0, theta);
  return s[0]!;
}

export function influenceBalancingTask(): InfluenceBalancingTask {
  const n = INFLUENCE_STATE_SIZE;

  const particlesOf = (state: InfluenceState) => state.s.length / n;
  const checkThetas = (particles: number, thetas: Float64Array) => {
    if (thetas.length !== particles)
      throw new RangeError(`expected ${particles} thetas, got ${thetas.length}`);
  };
  const lastLoss = (s: Float64Array, offset: number) => 0.5 * (s[offset]! - 1) * (s[offset]! - 1);

  return {
    name: 'influence-balancing',
    dim: 1,
    horizon: Infinity,
    initialTheta: () => Float64Array.of(INFLUENCE_INITIAL_THETA),
    init: (_key, particles) => ({ s: new Float64Array(particles * n).fill(1) }),
    unroll(state, thetas, steps) {
      const particles = particlesOf(state);
      checkThetas(particles, thetas);
      const s = state.s.slice();
      const losses = new Float64Array(particles * steps);
      for (let p = 0; p < particles; p++) {
        const theta = thetas[p]!;
        for (let k = 0; k < steps; k++) step(s, p * n, theta);
        losses[p * steps + steps - 1] = lastLoss(s, p * n);
      }
      return { state: { s }, losses, done: new Uint8Array(particles * steps) };
    },
    reset(state, mask) {
      const s = state.s.slice();
      for (let p = 0; p < mask.length; p++) if (mask[p]) s.fill(1, p * n, (p + 1) * n);
      return { s };
    },
    gather(state, indices) {
      const s = new Float64Array(indices.length * n);
      indices.forEach((from, p) => s.set(state.s.subarray(from * n, (from + 1) * n), p * n));
      return { s };
    },
    evaluate(theta): Evaluation {
      const miss = firstComponentAfter(theta[0]!, INFLUENCE_EVAL_STEPS) - 1;
      return { evalLoss: 0.5 * miss * miss };
    },
    restore(snapshot) {
      const { s } = (snapshot ?? {}) as Partial<InfluenceState>;
      if (!(s instanceof Float64Array) || s.length % n !== 0) {
        throw new TypeError('influence-balancing checkpoint: state is not particles × 23 numbers');
      }
      return { s };
    },
    differentiable: {
      unrollWithGradient(state, thetas, steps) {
        const particles = particlesOf(state);
        checkThetas(particles, thetas);
        const s = state.s.slice();
        const losses = new Float64Array(particles * steps);
        const grads = new Float64Array(particles);
        const J = new Float64Array(n); // ds/dθ from the incoming state, which is held fixed
        for (let p = 0; p < particles; p++) {
          J.fill(0);
          for (let k = 0; k < steps; k++) {
            step(s, p * n, thetas[p]!);
            step(J, 0, 1); // J ← A J + sign: the same recursion with θ = 1
          }
          losses[p * steps + steps - 1] = lastLoss(s, p * n);
          grads[p] = (s[p * n]! - 1) * J[0]!;
        }
        return { state: { s }, losses, done: new Uint8Array(particles * steps), grads };
      },
    },
    forwardMode: {
      stateSize: n,
      unrollWithJacobians(state, thetas, steps, _key, visit): UnrollResult<InfluenceState> {
        const particles = particlesOf(state);
        checkThetas(particles, thetas);
        const s = state.s.slice();
        const losses = new Float64Array(particles * steps);
        const jacobians: StepJacobians = {
          stateJacobian: new Float64Array(particles * n * n),
          thetaJacobian: new Float64Array(particles * n),
          lossStateGradient: new Float64Array(particles * n),
          lossThetaGradient: new Float64Array(particles),
          done: new Uint8Array(particles),
        };
        for (let p = 0; p < particles; p++) {
          for (let i = 0; i < n; i++) {
            jacobians.stateJacobian[p * n * n + i * n + i] = 0.5;
            if (i + 1 < n) jacobians.stateJacobian[p * n * n + i * n + i + 1] = 0.5;
          }
          jacobians.thetaJacobian.set(SIGNS, p * n);
        }
        for (let k = 0; k < steps; k++) {
          const last = k === steps - 1;
          for (let p = 0; p < particles; p++) {
            step(s, p * n, thetas[p]!);
            if (last) losses[p * steps + k] = lastLoss(s, p * n);
            jacobians.lossStateGradient[p * n] = last ? s[p * n]! - 1 : 0;
          }
          visit(k, jacobians);
        }
        return { state: { s }, losses, done: new Uint8Array(particles * steps) };
      },
    },
    optimalTheta() {
      // s_500[0] = a + b θ exactly (the system is linear in θ): solve a + b θ = 1.
      const a = firstComponentAfter(0, INFLUENCE_EVAL_STEPS);
      const b = firstComponentAfter(1, INFLUENCE_EVAL_STEPS) - a;
      return (1 - a) / b;
    },
  };
}

/** The paper's influence-balancing setup: PES, K = 1, N = 1000, σ = 0.1, SGD 1e-4, 3000 iterations, seed 3. */
export const influenceBalancingTaskSpec = defineTask({
  name: 'influence-balancing',
  description:
    '23-dim linear system whose one-step and long-run responses to θ disagree (UORO paper)',
  // It never ends its episodes: no horizon to set.
  options: z.strictObject({}),
  defaults: {
    unrollLength: 1,
    particles: 1000,
    outerOptimizer: 'sgd',
    outerLr: 1e-4,
    iterations: 3000,
    evalEvery: 100,
    checkpointEvery: 500,
    seed: 3,
  },
  estimatorDefaults: {
    tbptt: { particles: 1 },
    rtrl: { particles: 1 },
    uoro: { particles: 1, outerLr: 1e-5 },
  },
  create: async () => influenceBalancingTask(),
});
