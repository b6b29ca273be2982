import { foldIn, split, uniform, type Key } from '../random.js';
import type { ForwardMode, StepJacobians, Task } from '../task.js';
import {
  averageFiniteGradients,
  countEnded,
  disposeTaskState,
  resolveSettings,
  restoreTaskState,
  snapshotTaskState,
  staggerOffsets,
  restartDiverged,
} from './common.js';
import { tileTheta } from './pes-gradient.js';
import type { Estimate, EstimatorSettings, GradientEstimator } from './types.js';

function requireForwardMode<S>(task: Task<S>, method: string): ForwardMode<S> {
  if (!task.forwardMode) {
    throw new RangeError(
      `${method} needs a task with forward-mode Jacobians; ${task.name} has none`,
    );
  }
  return task.forwardMode;
}

/** out (n × d) = F (n × n) · J (n × d) + G (n × d) */
function affineProduct(
  F: Float64Array,
  J: Float64Array,
  G: Float64Array,
  n: number,
  d: number,
  out: Float64Array,
) {
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      let v = G[i * d + c]!;
      for (let j = 0; j < n; j++) v += F[i * n + j]! * J[j * d + c]!;
      out[i * d + c] = v;
    }
  }
}

interface ForwardState<S> {
  task: S;
}

/**
 * The shared shell of the forward-mode estimators: staggered particles with persistent states
 * and a per-particle carry (ds/dθ or its rank-one factors) updated at every step.
 */
function forwardModeEstimator<S, C extends Record<string, Float64Array>>(
  name: string,
  task: Task<S>,
  settings: EstimatorSettings,
  carry: {
    init(particles: number, n: number, dim: number): C;
    /** Folds step k's Jacobians into the carry and adds ∂L_k/∂θ to `grads`. */
    step(c: C, k: number, jac: StepJacobians, grads: Float64Array, key: Key): void;
    /** Clears the carry of particles in `mask`. */
    reset(c: C, mask: Uint8Array): void;
  },
): GradientEstimator<ForwardState<S> & { carry: C }> {
  const s = resolveSettings(settings, { usesNoise: false });
  const forward = requireForwardMode(task, name);
  const { particles, unrollLength: steps } = s;
  const dim = task.dim;
  const n = forward.stateSize;
  return {
    name,
    init(_theta, key) {
      const [initKey, staggerKey] = split(key, 2) as [Key, Key];
      return {
        task: task.init(initKey, particles, {
          stepOffsets: staggerOffsets(staggerKey, task as Task, s),
        }),
        carry: carry.init(particles, n, dim),
      };
    },
    estimate(theta, state, key): Estimate<ForwardState<S> & { carry: C }> {
      const [unrollKey, carryKey, resetKey] = split(key, 3) as [Key, Key, Key];
      const c = Object.fromEntries(
        Object.entries(state.carry).map(([k, v]) => [k, v.slice()]),
      ) as C;
      const grads = new Float64Array(particles * dim);
      const r = forward.unrollWithJacobians(
        state.task,
        tileTheta(theta, particles),
        steps,
        unrollKey,
        (k, jac) => {
          carry.step(c, k, jac, grads, carryKey);
          carry.reset(c, jac.done);
        },
      );
      const { grad, excluded, excludedCount, metaLoss } = averageFiniteGradients(
        r.losses,
        grads,
        particles,
        steps,
        dim,
      );
      const next = restartDiverged(task, r.state, excluded, resetKey);
      carry.reset(c, excluded);
      return {
        grad,
        metaLoss,
        state: { task: next, carry: c },
        metrics: {
          innerSteps: particles * steps,
          episodesEnded: countEnded(r.done),
          nonFiniteParticles: excludedCount,
        },
      };
    },
    snapshot: (state) => ({ task: snapshotTaskState(task, state.task), carry: state.carry }),
    restore(snapshot) {
      const { task: t, carry: c } = snapshot as { task: unknown; carry: Record<string, unknown> };
      const expected = carry.init(particles, n, dim);
      for (const [k, v] of Object.entries(expected)) {
        if (!(c?.[k] instanceof Float64Array) || (c[k] as Float64Array).length !== v.length) {
          throw new TypeError(`${name} checkpoint: ${k} does not match particles × state size`);
        }
      }
      return { task: restoreTaskState(task, t), carry: c as C };
    },
    dispose: (state) => disposeTaskState(task, state.task),
  };
}

/**
 * Real-time recurrent learning: carries J = ds/dθ forward through every step
 * (J ← ∂s'/∂s · J + ∂s'/∂θ), so the gradient of each loss is exact and includes all of the
 * past: unbiased, with no truncation, at O(n² · dim) per step.
 */
export function rtrl<S>(task: Task<S>, settings: EstimatorSettings) {
  const d = task.dim;
  const n = requireForwardMode(task, 'RTRL').stateSize;
  const next = new Float64Array(n * d);
  return forwardModeEstimator('rtrl', task, settings, {
    init: (particles) => ({ jacobian: new Float64Array(particles * n * d) }),
    step(c, _k, jac, grads) {
      const particles = jac.done.length;
      for (let p = 0; p < particles; p++) {
        const J = c.jacobian.subarray(p * n * d, (p + 1) * n * d);
        affineProduct(
          jac.stateJacobian.subarray(p * n * n, (p + 1) * n * n),
          J,
          jac.thetaJacobian.subarray(p * n * d, (p + 1) * n * d),
          n,
          d,
          next,
        );
        J.set(next);
        for (let col = 0; col < d; col++) {
          let g = jac.lossThetaGradient[p * d + col]!;
          for (let i = 0; i < n; i++) g += jac.lossStateGradient[p * n + i]! * J[i * d + col]!;
          grads[p * d + col]! += g;
        }
      }
    },
    reset(c, mask) {
      for (let p = 0; p < mask.length; p++)
        if (mask[p]) c.jacobian.fill(0, p * n * d, (p + 1) * n * d);
    },
  });
}

// UORO's ε in its normalisers (Tallec & Ollivier 2017).
const UORO_EPSILON = 1e-7;

/**
 * Unbiased Online Recurrent Optimization (Tallec & Ollivier 2017): keeps ds/dθ as a rank-one
 * product s̃ θ̃ᵀ, refreshed each step with random signs ν so that E[s̃ θ̃ᵀ] stays the true
 * Jacobian: s̃ ← ρ0 F_s s̃ + ρ1 ν, θ̃ ← θ̃/ρ0 + νᵀF_θ/ρ1, with ρ's that balance the norms.
 * Unbiased and cheap (O(n² + n·dim) per step), but noisy.
 */
export function uoro<S>(task: Task<S>, settings: EstimatorSettings) {
  const d = task.dim;
  const n = requireForwardMode(task, 'UORO').stateSize;
  const a = new Float64Array(n);
  const b = new Float64Array(d);
  const norm = (x: Float64Array) => Math.sqrt(x.reduce((acc, v) => acc + v * v, 0));
  return forwardModeEstimator('uoro', task, settings, {
    init: (particles) => ({
      sTilde: new Float64Array(particles * n),
      thetaTilde: new Float64Array(particles * d),
    }),
    step(c, k, jac, grads, key) {
      const particles = jac.done.length;
      const signs = uniform(foldIn(key, k), particles * n);
      for (let p = 0; p < particles; p++) {
        const sT = c.sTilde.subarray(p * n, (p + 1) * n);
        const tT = c.thetaTilde.subarray(p * d, (p + 1) * d);
        const Fs = jac.stateJacobian.subarray(p * n * n, (p + 1) * n * n);
        const Ft = jac.thetaJacobian.subarray(p * n * d, (p + 1) * n * d);
        const nu = signs.subarray(p * n, (p + 1) * n).map((u) => (u < 0.5 ? -1 : 1));
        for (let i = 0; i < n; i++) {
          let v = 0;
          for (let j = 0; j < n; j++) v += Fs[i * n + j]! * sT[j]!;
          a[i] = v;
        }
        for (let col = 0; col < d; col++) {
          let v = 0;
          for (let i = 0; i < n; i++) v += nu[i]! * Ft[i * d + col]!;
          b[col] = v;
        }
        const rho0 = Math.sqrt((norm(tT) + UORO_EPSILON) / (norm(a) + UORO_EPSILON));
        const rho1 = Math.sqrt((norm(b) + UORO_EPSILON) / (Math.sqrt(n) + UORO_EPSILON));
        for (let i = 0; i < n; i++) sT[i] = rho0 * a[i]! + rho1 * nu[i]!;
        for (let col = 0; col < d; col++) tT[col] = tT[col]! / rho0 + b[col]! / rho1;
        let projected = 0; // ∂ℓ/∂s · s̃
        for (let i = 0; i < n; i++) projected += jac.lossStateGradient[p * n + i]! * sT[i]!;
        for (let col = 0; col < d; col++) {
          grads[p * d + col]! += projected * tT[col]! + jac.lossThetaGradient[p * d + col]!;
        }
      }
    },
    reset(c, mask) {
      for (let p = 0; p < mask.length; p++) {
        if (!mask[p]) continue;
        c.sTilde.fill(0, p * n, (p + 1) * n);
        c.thetaTilde.fill(0, p * d, (p + 1) * d);
      }
    },
  });
}
