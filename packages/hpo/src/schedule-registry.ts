import {
  exponentialSchedule,
  inverseTimeDecaySchedule,
  linearSchedule,
  piecewiseLogLinearSchedule,
  type Schedule,
} from './schedules.js';
import { log } from '@pes/core';

/** A schedule by name, with the θ a run starts from and the box random search draws from. */
export interface ScheduleEntry {
  readonly name: string;
  readonly description: string;
  create(horizon: number): Schedule;
  /** θ at the start of meta-training (the paper's for inverse-time decay). */
  initialTheta(knots: number): number[];
  /** Per θ component, the [low, high] range random search samples uniformly. */
  searchSpace(knots: number): [number, number][];
}

/** Knots of the piecewise schedule when θ's length does not say. */
export const DEFAULT_KNOTS = 4;

const LOG_LR_RANGE: [number, number] = [log(1e-4), log(1)];

export const scheduleRegistry: readonly ScheduleEntry[] = [
  {
    name: 'inverse-time-decay',
    description: 'exp(θ0) / (1 + t/5000)^exp(θ1): the paper’s MNIST schedule',
    create: () => inverseTimeDecaySchedule(5000),
    initialTheta: () => [log(0.003), log(30)],
    searchSpace: () => [LOG_LR_RANGE, [log(0.01), log(100)]],
  },
  {
    name: 'linear',
    description: 'linear from exp(θ0) at t = 0 to exp(θ1) at t = T',
    create: (horizon) => linearSchedule(horizon),
    initialTheta: () => [log(0.003), log(0.003)],
    searchSpace: () => [LOG_LR_RANGE, LOG_LR_RANGE],
  },
  {
    name: 'exponential',
    description: 'exp(θ0 + θ1·t/T): exponential decay (θ1 < 0) or growth',
    create: (horizon) => exponentialSchedule(horizon),
    initialTheta: () => [log(0.003), 0],
    searchSpace: () => [LOG_LR_RANGE, [-10, 2]],
  },
  {
    name: 'piecewise',
    description: 'log learning rate linear between n evenly spaced knots over [0, T]',
    create: (horizon) => piecewiseLogLinearSchedule(horizon),
    initialTheta: (knots) => new Array<number>(knots).fill(log(0.003)),
    searchSpace: (knots) => new Array(knots).fill(LOG_LR_RANGE),
  },
];

export function findSchedule(name: string): ScheduleEntry {
  const entry = scheduleRegistry.find((s) => s.name === name);
  if (!entry) {
    throw new RangeError(
      `unknown schedule '${name}'; known schedules: ${scheduleRegistry.map((s) => s.name).join(', ')}`,
    );
  }
  return entry;
}
