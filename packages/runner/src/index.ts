/**
 * @pes/runner (Node only): a meta-training run on Node, from settings to run directory. Every
 * package's tasks in one catalogue; the run resolved once, with messages that name the
 * command line's flags; built over worker threads, child processes or `pes worker`s through
 * Redis, on the tfjs backend chosen for it; its run directory (one owner, validated files);
 * progress lines; plots.
 *
 * This entry loads no tensor library and no plotting stack: the functions that need them
 * (building a run, choosing a backend, rendering a plot) load their modules on first call, so
 * that `pes --help` or `pes list` stays quick.
 */
export {
  findMethod,
  findTaskSpec,
  flagOf,
  methods,
  runOptions,
  taskSpecs,
  type RunOption,
} from './catalog.js';
export {
  describeIssues,
  fieldSchemas,
  resolveConfig,
  resolveRun,
  runConfigSchema,
  validateConfig,
  type ResolvedRun,
  type RunConfig,
} from './config.js';
export { LineSplitter, MAX_LINE_BYTES, readLines } from './bounded-lines.js';
export { loadConfigFile, readStructuredFile } from './config-file.js';
export { containedFile, isInside, LeadsOut } from './contained-file.js';
export { EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, UsageError } from './errors.js';
export type { Io } from './io.js';
export { formatEta, progressBar, progressReporter } from './progress.js';
export { assertRunFits, assertShardFits, type MachineMemory } from './resources.js';
export {
  checkpointContentsSchema,
  metricsLineSchema,
  parseStored,
  reportedConfigSchema,
  resultSchema,
  trainerSnapshotSchema,
} from './run-files.js';
export {
  LOCK_NAME,
  lockRunDirectory,
  readOwner,
  STALE_MS,
  type ReleaseLock,
  type RunOwner,
} from './run-lock.js';
export {
  readRun,
  readRunMetrics,
  readRunResult,
  RUN_FILE_NAMES,
  RunDirectory,
  runFile,
  type Evaluated,
  type MetricsLine,
  type RunRecord,
  type RunResult,
} from './run-store.js';
export type { ClusterSettings, Isolation } from './build.js';
// Types only: erased, so these modules load when a function below is first called.
import type * as BuildModule from './build.js';
import type * as BackendModule from './backend.js';
import type * as PlotsModule from './plots.js';
import type * as ShardFactoryModule from './shard-factory.js';
export type { BackendRequest } from './backend.js';

type Build = typeof BuildModule;
type Backend = typeof BackendModule;
type Plots = typeof PlotsModule;
type ShardFactory = typeof ShardFactoryModule;

// The heavy parts, each loaded on its first call.
export const buildRun: Build['buildRun'] = async (...args) =>
  (await import('./build.js')).buildRun(...args);
export const prepareBackend: Build['prepareBackend'] = async (...args) =>
  (await import('./build.js')).prepareBackend(...args);
export const selectBackend: Backend['selectBackend'] = async (...args) =>
  (await import('./backend.js')).selectBackend(...args);
export const renderSvg: Plots['renderSvg'] = async (...args) =>
  (await import('./plots.js')).renderSvg(...args);
export const renderPlot: Plots['renderPlot'] = async (...args) =>
  (await import('./plots.js')).renderPlot(...args);
export const writePlot: Plots['writePlot'] = async (...args) =>
  (await import('./plots.js')).writePlot(...args);
export const workerTaskFactory = async (
  ...args: Parameters<ShardFactory['workerTaskFactory']>
): Promise<ReturnType<ShardFactory['workerTaskFactory']>> =>
  (await import('./shard-factory.js')).workerTaskFactory(...args);
