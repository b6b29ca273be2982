import { exp, pow } from '@pes/core';
/**
 * Learning-rate schedules parameterised by θ, each a pure `(θ, step) → learning rate`.
 * Positivity comes through exp, so θ lives in log space and any θ is a valid schedule.
 */
export interface Schedule {
  readonly name: string;
  readonly description: string;
  /** Length of θ, or undefined when the schedule takes θ of any length ≥ 2 (piecewise). */
  readonly dim: number | undefined;
  rate(theta: ArrayLike<number>, step: number): number;
}

function at(theta: ArrayLike<number>, i: number): number {
  const v = theta[i];
  if (v === undefined) throw new RangeError(`schedule needs θ[${i}], got ${theta.length} numbers`);
  return v;
}

/** lr_t = exp(θ0)·(T − t)/T + exp(θ1)·t/T: the toy problem's schedule (docs/paper.md b). */
export function linearSchedule(horizon: number): Schedule {
  return {
    name: 'linear',
    description: 'linear from exp(θ0) at t = 0 to exp(θ1) at t = T',
    dim: 2,
    rate: (theta, t) =>
      exp(at(theta, 0)) * ((horizon - t) / horizon) + exp(at(theta, 1)) * (t / horizon),
  };
}

/** lr_t = exp(θ0) / (1 + t/5000)^exp(θ1): the paper's MNIST schedule (docs/paper.md c). */
export function inverseTimeDecaySchedule(decaySteps = 5000): Schedule {
  return {
    name: 'inverse-time-decay',
    description: `exp(θ0) / (1 + t/${decaySteps})^exp(θ1)`,
    dim: 2,
    rate: (theta, t) => exp(at(theta, 0)) / pow(1 + t / decaySteps, exp(at(theta, 1))),
  };
}

/** lr_t = exp(θ0 + θ1·t/T): exponential decay (θ1 < 0) or growth, log-linear in t. */
export function exponentialSchedule(horizon: number): Schedule {
  return {
    name: 'exponential',
    description: 'exp(θ0 + θ1·t/T): log-linear from exp(θ0) to exp(θ0 + θ1)',
    dim: 2,
    rate: (theta, t) => exp(at(theta, 0) + (at(theta, 1) * t) / horizon),
  };
}

/**
 * Piecewise-linear in log space: θ of length n ≥ 2 holds log learning rates at n knots spread
 * evenly over [0, T]; steps past T keep the last knot's rate.
 */
export function piecewiseLogLinearSchedule(horizon: number): Schedule {
  return {
    name: 'piecewise',
    description: 'log learning rate linear between n evenly spaced knots θ0 … θn−1 over [0, T]',
    dim: undefined,
    rate(theta, t) {
      const n = theta.length;
      if (n < 2) throw new RangeError(`piecewise schedule needs at least 2 knots, got ${n}`);
      const position = (Math.min(Math.max(t, 0), horizon) / horizon) * (n - 1);
      const i = Math.min(Math.floor(position), n - 2);
      const f = position - i;
      return exp(at(theta, i) * (1 - f) + at(theta, i + 1) * f);
    },
  };
}
