import {
  baseRunSettings,
  runSettingsSchema,
  runTrainer,
  type MetaTrainer,
  type MetaTrainState,
  type RunSettings,
} from '@pes/core';
import { findSchedule, lrScheduleTaskFromData, type Schedule } from '@pes/hpo';
import type { Formulation, ImageData } from '@pes/inner-problems';
import { resolveFormulation } from '@pes/inner-problems';

/** The MNIST learning-rate-schedule task at the page's scale. */
export interface MnistPageOptions {
  arch: string;
  horizon: number;
  batchSize: number;
  schedule: string;
  formulation: Formulation;
}

export const MNIST_PAGE_OPTIONS: MnistPageOptions = {
  arch: '784-32-10',
  horizon: 300,
  batchSize: 50,
  schedule: 'inverse-time-decay',
  formulation: 'auto',
};

/** The outer loop at the page's scale: N = 8, K = 10, 40 iterations of outer Adam. */
export const MNIST_PAGE_SETTINGS: RunSettings = runSettingsSchema.parse({
  ...baseRunSettings,
  estimator: 'pes',
  particles: 8,
  unrollLength: 10,
  sigma: 0.1,
  outerLr: 0.1,
  iterations: 40,
  // Validation accuracy before (iteration 0) and after (the last iteration) only: each
  // evaluation trains a network for the whole horizon.
  evalEvery: 40,
});

/** Points of the drawn schedule: the learning rate at t = 0, T/50, …, T. */
export const SCHEDULE_POINTS = 51;

export interface MnistRun {
  readonly trainer: MetaTrainer;
  readonly state: MetaTrainState;
  readonly schedule: Schedule;
  readonly options: MnistPageOptions;
  /** 'batched' or 'per-particle': what `auto` chose on the active tfjs backend. */
  readonly formulation: string;
}

/** What the page draws after an iteration. */
export interface MnistPoint {
  iteration: number;
  theta: number[];
  metaLoss: number | null;
  /** [t, learning rate] pairs of the current schedule. */
  rates: [number, number][];
  /** Validation accuracy, on iterations that evaluated θ (0 and the last). */
  valAccuracy?: number;
}

/** The task, estimator, outer optimizer and trainer of `pes meta-train`, on digits in memory. */
export function createMnistRun(
  data: ImageData,
  settings: RunSettings = MNIST_PAGE_SETTINGS,
  options: MnistPageOptions = MNIST_PAGE_OPTIONS,
): MnistRun {
  // The command line's own construction of task and trainer: the same settings give the same run.
  const task = lrScheduleTaskFromData(options, data);
  const trainer = runTrainer(task, settings);
  return {
    trainer,
    state: trainer.init(),
    schedule: findSchedule(options.schedule).create(options.horizon),
    options,
    formulation: resolveFormulation(options.formulation),
  };
}

export function schedulePoints(run: MnistRun, theta: ArrayLike<number>): [number, number][] {
  const T = run.options.horizon;
  return Array.from({ length: SCHEDULE_POINTS }, (_, i) => {
    const t = Math.round((i * T) / (SCHEDULE_POINTS - 1));
    return [t, run.schedule.rate(theta, t)];
  });
}

/** Iteration 0: θ's first schedule and the accuracy of a network trained with it. */
export function firstPoint(run: MnistRun): MnistPoint {
  const theta = run.state.theta;
  return {
    iteration: 0,
    theta: Array.from(theta),
    metaLoss: null,
    rates: schedulePoints(run, theta),
    valAccuracy: run.state.history[0]?.evaluation.valAccuracy,
  };
}

/** One outer iteration; the run that comes back replaces the one given. */
export function stepMnistRun(run: MnistRun): { run: MnistRun; point: MnistPoint } {
  const { state, record } = run.trainer.step(run.state);
  return {
    run: { ...run, state },
    point: {
      iteration: record.iteration,
      theta: record.theta,
      metaLoss: record.metaLoss,
      rates: schedulePoints(run, record.theta),
      ...(record.evaluation ? { valAccuracy: record.evaluation.valAccuracy } : {}),
    },
  };
}

export const mnistFinished = (run: MnistRun): boolean => run.trainer.isFinished(run.state);
