import type { HistoryEntry, IterationRecord, MetaTrainState } from '@pes/core';
import {
  type ResolvedRun,
  type RunConfig,
  RUN_FILE_NAMES,
  type RunDirectory,
} from '@pes/runner/node';

// What a meta-training run writes as it goes (a metrics line) and at its end (result.json and
// the summary it prints).

/** θ longer than this (a learned optimizer's weights) is summarised, not printed. */
const MAX_THETA_SHOWN = 16;

/** What a newcomer wants at the end: θ in the task's words, the figures before and after, the files. */
export function summary(
  { spec, options }: ResolvedRun,
  state: MetaTrainState,
  run: RunDirectory,
  seconds: number,
): string[] {
  const first = state.history[0]!;
  const last = state.history.at(-1)!;
  const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(5) : String(x));
  const vector = (theta: ArrayLike<number>) => `[${Array.from(theta, fmt).join(', ')}]`;
  const moved = (theta: ArrayLike<number>) =>
    // eslint-disable-next-line no-restricted-properties -- a printed distance, never θ
    Math.hypot(...Array.from(theta, (v, i) => v - first.theta[i]!));
  const lines = [
    `pes: done in ${formatDuration(seconds)}: ${state.iteration} iterations, ${state.counters.innerSteps.toLocaleString('en')} inner steps.`,
    state.theta.length <= MAX_THETA_SHOWN
      ? `  θ                  ${vector(first.theta)} → ${vector(state.theta)}`
      : `  θ                  ${state.theta.length} numbers, distance moved ${fmt(moved(state.theta))}`,
  ];
  if (spec.describeTheta) {
    lines.push(`  before             ${spec.describeTheta(first.theta, options)}`);
    lines.push(`  after              ${spec.describeTheta(state.theta, options)}`);
  }
  const figures = [...(spec.figures ?? []), { key: 'evalLoss', label: 'full-run objective' }];
  for (const { key, label } of figures) {
    const before = first.evaluation[key];
    const after = last.evaluation[key];
    if (before !== undefined && after !== undefined)
      lines.push(`  ${label.padEnd(19)}${fmt(before)} → ${fmt(after)}`);
  }
  if (state.counters.nonFiniteParticles > 0 || state.counters.skippedUpdates > 0) {
    lines.push(
      `  non-finite         ${state.counters.nonFiniteParticles} particles reset, ${state.counters.skippedUpdates} updates skipped`,
    );
  }
  lines.push(
    // The run store's files, in the order it names them (config, metrics, checkpoint, result).
    `  files              ${run.dir}/ (${Object.values(RUN_FILE_NAMES).join(', ')})`,
  );
  return lines;
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}

export function metricsLine(record: IterationRecord, elapsedSeconds: number) {
  const { evaluation, ...rest } = record;
  return {
    ...rest,
    ...(evaluation ?? {}),
    elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
  };
}

function flatHistory(entry: HistoryEntry) {
  const { evaluation, ...rest } = entry;
  return { ...rest, ...evaluation };
}

export function result(config: RunConfig, state: MetaTrainState) {
  const history = state.history.map(flatHistory);
  const { metaLoss: _i, iteration: _ii, ...initial } = history[0]!;
  const { metaLoss: _f, iteration: _fi, ...final } = history.at(-1)!;
  return {
    task: config.task,
    estimator: config.estimator,
    config,
    theta: Array.from(state.theta),
    iterations: state.iteration,
    history,
    initial,
    final,
    counters: state.counters,
  };
}
