/**
 * @pes/experiments (Node only): the paper's comparisons, the learned optimizer's evaluation
 * (one problem, or the held-out suite) and the unroll-variance analysis of any task, each
 * writing results.json, table.md and plots into a directory. They run over @pes/runner: in
 * this process, or as `pes` child processes, one per core (`ExperimentIo.pes`).
 *
 * This entry is light: the registry describes each experiment, and an experiment's code (tfjs,
 * MuJoCo, the plotting stack) loads only when it runs.
 */
export { experimentRegistry, type ExperimentEntry } from './experiment-registry.js';
export type { ExperimentIo } from './experiment-io.js';
export type { EvaluateOptimizerOptions } from './evaluate-optimizer-options.js';
export type { TaskVarianceOptions } from './task-variance.js';

// Types only: erased, so these modules load when a function below is first called.
import type * as EvaluateOptimizerModule from './evaluate-optimizer.js';
import type * as TaskVarianceModule from './task-variance.js';
import type * as ModelTuningBenchModule from './model-tuning-bench.js';

type EvaluateOptimizer = typeof EvaluateOptimizerModule;
type TaskVariance = typeof TaskVarianceModule;
type ModelTuningBench = typeof ModelTuningBenchModule;

/** `pes evaluate-optimizer`: a learned optimizer against its start and a tuned Adam. */
export const evaluateOptimizer: EvaluateOptimizer['evaluateOptimizer'] = async (...args) =>
  (await import('./evaluate-optimizer.js')).evaluateOptimizer(...args);
/** `pes variance`: PES's error over an episode against the number of unrolls, for one task. */
export const taskVariance: TaskVariance['taskVariance'] = async (...args) =>
  (await import('./task-variance.js')).taskVariance(...args);
/** `pes bench model-tuning`: one unroll of `pes tune`'s task in its two formulations. */
export const benchModelTuning: ModelTuningBench['benchModelTuning'] = async (...args) =>
  (await import('./model-tuning-bench.js')).benchModelTuning(...args);
export type { ModelTuningBenchOptions } from './model-tuning-bench.js';
