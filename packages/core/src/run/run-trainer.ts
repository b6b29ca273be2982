import { estimatorUnsupportedReason, findEstimator } from '../estimators/estimator-registry.js';
import { createMetaTrainer, type MetaTrainer } from '../meta-trainer.js';
import { adam, chain, clipByGlobalNorm, momentum, sgd } from '../optimizers/transforms.js';
import type { GradientTransformation } from '../optimizers/types.js';
import type { Task } from '../task.js';
import type { RunSettings } from './run-settings.js';

/** The outer optimizer a run's settings name: SGD, momentum or Adam, clipped first if asked. */
export function outerOptimizerOf(settings: RunSettings): GradientTransformation {
  const base =
    settings.outerOptimizer === 'adam'
      ? adam(settings.outerLr, { b1: settings.adamB1, b2: settings.adamB2 })
      : settings.outerOptimizer === 'momentum'
        ? momentum(settings.outerLr, settings.momentum)
        : sgd(settings.outerLr);
  return (
    settings.clipNorm > 0 ? chain(clipByGlobalNorm(settings.clipNorm), base) : base
  ) as GradientTransformation;
}

/**
 * The meta-trainer of a run: the estimator its settings name (from the registry), on `task`,
 * with the outer optimizer they name. One place, so that the command line, the playground and
 * any other front end build the same run from the same settings, bit for bit. An estimator
 * the task cannot serve is a RangeError saying why.
 */
export function runTrainer(task: Task, settings: RunSettings): MetaTrainer {
  const entry = findEstimator(settings.estimator);
  if (!entry) throw new RangeError(`unknown estimator '${settings.estimator}'`);
  const reason = estimatorUnsupportedReason(entry, task);
  if (reason) throw new RangeError(reason);
  const estimator = entry.create(task, {
    particles: settings.particles,
    sigma: settings.sigma,
    unrollLength: settings.unrollLength,
    antithetic: settings.antithetic,
    stagger: settings.stagger,
    fitnessShaping: settings.fitnessShaping,
  });
  return createMetaTrainer({
    task,
    estimator,
    optimizer: outerOptimizerOf(settings),
    settings: {
      iterations: settings.iterations,
      evalEvery: settings.evalEvery,
      seed: settings.seed,
    },
  });
}
