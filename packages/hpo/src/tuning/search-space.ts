import { exp, log, sigmoid } from '@pes/core';
import { z } from 'zod';
import { DEFAULT_KNOTS, findSchedule, scheduleRegistry } from '../schedule-registry.js';
import {
  findHyperparameter,
  fixedHyperparameters,
  hyperparameterRegistry,
  INNER_OPTIMIZERS,
  type HyperparameterName,
  type InnerOptimizerName,
  type StepHyperparameters,
} from './hyperparameters.js';

/** A hyperparameter held constant over training, tuned within `range`. */
export interface ConstantSpec {
  range?: [number, number];
  log?: boolean;
  initial?: number;
}

/** A hyperparameter that follows one of `scheduleRegistry`'s schedules over training. */
export interface ScheduleSpec {
  schedule: string;
  /** The schedule's starting value (every knot of `piecewise`). */
  initial?: number;
  /** Knots of `piecewise`. */
  knots?: number;
}

export type SearchSpace = Partial<Record<HyperparameterName, ConstantSpec | ScheduleSpec>>;

/** What a tuned hyperparameter reads as: a number, or a schedule with its values over training. */
export type TunedValue =
  | number
  | Record<string, number>
  | { schedule: string; theta: number[]; values: { step: number; value: number }[] };

/** The search space resolved against a horizon: where each hyperparameter sits in θ. */
export interface ResolvedSpace {
  readonly dim: number;
  readonly horizon: number;
  /** The per-particle optimizer these hyperparameters drive. */
  readonly optimizer: InnerOptimizerName;
  /** The layers a per-layer hyperparameter has one value for; empty when none is tuned. */
  readonly layers: readonly string[];
  /** The search space as given (what a saved optimizer rebuilds this from). */
  readonly given: SearchSpace;
  initialTheta(): Float64Array;
  /**
   * A box of θ for random search, one [low, high] per number: [−3, 3] for a constant (5 %–95 %
   * of its range, drawn denser towards the range's ends, as θ goes through a sigmoid), and the
   * initial value ± ln 100 for each of a schedule's log-space parameters.
   */
  box(): [number, number][];
  /** The hyperparameters a particle with θ row `theta` uses at step t of its episode. */
  at(theta: ArrayLike<number>, t: number): StepHyperparameters;
  /** The tuned values, readable: constants as numbers, schedules with their values over T. */
  describe(theta: ArrayLike<number>): Partial<Record<HyperparameterName, TunedValue>>;
}

/** A schedule's name in the issue's spelling, kept as an alias of the registry's. */
const SCHEDULE_ALIASES: Record<string, string> = { 'piecewise-log-linear': 'piecewise' };

const constantSchema = z.strictObject({
  range: z.tuple([z.number(), z.number()]).optional(),
  log: z.boolean().optional(),
  initial: z.number().optional(),
});
const scheduleSchema = z.strictObject({
  schedule: z.string(),
  initial: z.number().positive().optional(),
  knots: z.number().int().min(2).optional(),
});

/** One error line naming the hyperparameter (and field) at fault. */
function fail(name: string, message: string): never {
  throw new RangeError(`hyperparameters.${name}: ${message}`);
}

interface Slot {
  name: HyperparameterName;
  offset: number;
  size: number;
  initial: number[];
  /** Random search's range of each θ number of the slot. */
  box: [number, number][];
  value(theta: ArrayLike<number>, t: number): number | number[];
  describe(theta: number[]): TunedValue;
}

/**
 * A constant in [min, max] from one unbounded θ number through a sigmoid, in log space where
 * `log`: every perturbed θ is a valid value, and θ = 0 is the range's (geometric) middle. A
 * per-layer hyperparameter has one such number per layer, all starting at `initial`.
 */
function constantSlot(
  name: HyperparameterName,
  spec: ConstantSpec,
  offset: number,
  layers: readonly string[] | undefined,
): Slot {
  const entry = findHyperparameter(name)!;
  const [min, max] = spec.range ?? entry.defaultRange;
  const logScale = spec.log ?? (spec.range ? false : entry.log);
  if (!Number.isFinite(min) || !Number.isFinite(max)) fail(name, 'range must be finite');
  if (min > max) fail(name, `range [${min}, ${max}] has min > max`);
  if (min < entry.bounds[0] || max > entry.bounds[1]) {
    fail(name, `range [${min}, ${max}] is outside [${entry.bounds.join(', ')}]`);
  }
  if (logScale && min <= 0) fail(name, `a log range needs min > 0, got ${min}`);
  const lo = logScale ? log(min) : min;
  const hi = logScale ? log(max) : max;
  const middle = logScale ? exp((lo + hi) / 2) : (lo + hi) / 2;
  const initial = spec.initial ?? middle;
  if (!(initial >= min && initial <= max)) {
    fail(name, `initial ${initial} is outside the range [${min}, ${max}]`);
  }
  // The inverse sigmoid of the initial value's position, kept off ±∞ at the range's ends.
  const span = hi - lo;
  const position = span === 0 ? 0.5 : ((logScale ? log(initial) : initial) - lo) / span;
  const p = Math.min(Math.max(position, 1e-6), 1 - 1e-6);
  const decode = (u: number) => {
    const x = lo + span * sigmoid(u);
    return logScale ? exp(x) : x;
  };
  const u0 = log(p / (1 - p));
  if (!entry.perLayer) {
    const value = (theta: ArrayLike<number>) => decode(theta[offset]!);
    return { name, offset, size: 1, initial: [u0], box: [[-3, 3]], value, describe: value };
  }
  if (!layers || layers.length === 0) {
    fail(name, 'is per layer: it needs the model’s layers (tuneHyperparameters passes them)');
  }
  const size = layers.length;
  const value = (theta: ArrayLike<number>) =>
    Array.from({ length: size }, (_, l) => decode(theta[offset + l]!));
  return {
    name,
    offset,
    size,
    initial: new Array<number>(size).fill(u0),
    box: Array.from({ length: size }, (): [number, number] => [-3, 3]),
    value,
    describe: (theta) => Object.fromEntries(value(theta).map((v, l) => [layers[l]!, v])),
  };
}

/** A schedule from the registry: θ is its own (log-space) parameters over the horizon. */
function scheduleSlot(
  name: HyperparameterName,
  spec: ScheduleSpec,
  offset: number,
  horizon: number,
): Slot {
  const known = findHyperparameter(name)!;
  if (!known.schedulable) fail(name, 'takes a constant ({ range, log, initial }), not a schedule');
  const scheduleName = SCHEDULE_ALIASES[spec.schedule] ?? spec.schedule;
  const entry = scheduleRegistry.find((s) => s.name === scheduleName);
  if (!entry) {
    fail(
      name,
      `unknown schedule '${spec.schedule}'; known: ${scheduleRegistry.map((s) => s.name).join(', ')}`,
    );
  }
  if (spec.knots !== undefined && scheduleName !== 'piecewise') {
    fail(name, `knots is an option of the piecewise schedule, not of ${scheduleName}`);
  }
  const schedule = findSchedule(scheduleName).create(horizon);
  const initial = entry.initialTheta(spec.knots ?? DEFAULT_KNOTS);
  if (spec.initial !== undefined) {
    // Which θ components are log learning rates (the starting rate) differs per schedule.
    const logRate = log(spec.initial);
    if (scheduleName === 'piecewise' || scheduleName === 'linear') initial.fill(logRate);
    else initial[0] = logRate;
  }
  const size = initial.length;
  const rate = (theta: ArrayLike<number>, t: number) =>
    schedule.rate(Array.prototype.slice.call(theta, offset, offset + size) as number[], t);
  return {
    name,
    offset,
    size,
    initial,
    box: initial.map((v): [number, number] => [v - log(100), v + log(100)]),
    value: rate,
    describe: (theta) => ({
      schedule: scheduleName,
      theta: theta.slice(offset, offset + size),
      values: [0, 0.25, 0.5, 0.75, 1].map((f) => {
        const step = Math.round(f * (horizon - 1));
        return { step, value: rate(theta, step) };
      }),
    }),
  };
}

/**
 * Validates a search-space object for an inner optimizer and lays its hyperparameters out in θ,
 * in the registry's order. Any fault throws one RangeError naming the hyperparameter.
 */
export function resolveSearchSpace(
  space: unknown,
  horizon: number,
  optimizer: InnerOptimizerName = 'momentum',
  layers?: readonly string[],
): ResolvedSpace {
  if (!INNER_OPTIMIZERS.includes(optimizer)) {
    throw new RangeError(
      `optimizer: unknown optimizer '${String(optimizer)}'; known: ${INNER_OPTIMIZERS.join(', ')}`,
    );
  }
  if (typeof space !== 'object' || space === null || Array.isArray(space)) {
    throw new RangeError('hyperparameters: expected an object such as { learningRate: { … } }');
  }
  const known = hyperparameterRegistry.map((h) => h.name);
  for (const name of Object.keys(space)) {
    const entry = findHyperparameter(name);
    if (!entry) fail(name, `unknown hyperparameter; known: ${known.join(', ')}`);
    if (!entry.optimizers.includes(optimizer)) {
      fail(
        name,
        `not a hyperparameter of the ${optimizer} optimizer (${entry.optimizers.join(', ')} only)`,
      );
    }
  }
  if (Object.keys(space).length === 0) {
    throw new RangeError(`hyperparameters: name at least one of ${known.join(', ')}`);
  }
  const slots: Slot[] = [];
  let offset = 0;
  for (const name of known) {
    const raw = (space as Record<string, unknown>)[name];
    if (raw === undefined) continue;
    const isSchedule = typeof raw === 'object' && raw !== null && 'schedule' in raw;
    const parsed = (isSchedule ? scheduleSchema : constantSchema).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
      fail(`${name}${field}`, issue.message);
    }
    const slot = isSchedule
      ? scheduleSlot(name, parsed.data as ScheduleSpec, offset, horizon)
      : constantSlot(name, parsed.data as ConstantSpec, offset, layers);
    slots.push(slot);
    offset += slot.size;
  }
  const dim = offset;
  return {
    dim,
    horizon,
    optimizer,
    given: structuredClone(space) as SearchSpace,
    layers: slots.some((s) => findHyperparameter(s.name)!.perLayer) ? [...layers!] : [],
    initialTheta: () => Float64Array.from(slots.flatMap((s) => s.initial)),
    box: () => slots.flatMap((s) => s.box.map((b): [number, number] => [b[0], b[1]])),
    at(theta, t) {
      const values = fixedHyperparameters();
      const out = values as unknown as Record<string, number | number[]>;
      for (const slot of slots) out[slot.name] = slot.value(theta, t);
      return values;
    },
    describe(theta) {
      const plain = Array.from(theta);
      const out: Partial<Record<HyperparameterName, TunedValue>> = {};
      for (const slot of slots) out[slot.name] = slot.describe(plain);
      return out;
    },
  };
}
