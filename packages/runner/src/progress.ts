import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import type { IterationRecord } from '@pes/core';

/**
 * cli-progress, loaded when a bar is drawn: this module is part of @pes/runner's light entry,
 * which `pes --help` loads, and a bar is wanted only on a terminal.
 */
const cliProgress = (): typeof cliProgressModule =>
  createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;

/**
 * Plain progress lines (no control characters, so logs and CI stay readable): one every
 * `intervalMs`, on evaluations, and at the last iteration.
 */
export function progressReporter(options: {
  total: number;
  startIteration: number;
  write: (line: string) => void;
  intervalMs?: number;
  now?: () => number;
}) {
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 2000;
  const started = now();
  let last = -Infinity;
  let lastEval: number | undefined;
  let firstSteps: number | undefined;
  return (record: IterationRecord) => {
    if (record.evaluation) lastEval = record.evaluation.evalLoss;
    const t = now();
    if (t - last < interval && !record.evaluation && record.iteration !== options.total) return;
    last = t;
    const done = record.iteration - options.startIteration;
    const seconds = Math.max(1e-9, (t - started) / 1000);
    const rate = done / seconds;
    firstSteps ??= record.innerSteps - record.innerStepsThisIteration;
    // Inner steps per second: environment steps for a control task, training steps for HPO.
    const stepRate = (record.innerSteps - firstSteps) / seconds;
    const eta = (options.total - record.iteration) / Math.max(rate, 1e-9);
    const parts = [
      `iter ${record.iteration}/${options.total}`,
      `meta-loss ${fmt(record.metaLoss)}`,
      lastEval === undefined ? undefined : `eval ${fmt(lastEval)}`,
      `${rate.toFixed(1)} it/s`,
      `${formatRate(stepRate)} inner steps/s`,
      `eta ${formatEta(eta)}`,
      record.nonFiniteParticles > 0 ? `non-finite ${record.nonFiniteParticles}` : undefined,
    ];
    options.write(parts.filter(Boolean).join('  '));
  };
}

/**
 * Seconds left in the units a person reads: `42s`, `2m05s`, `1h07m`. The whole is rounded
 * before it is split (cli-progress rounds the seconds after splitting, hence its "2m60s").
 */
export function formatEta(seconds: number | string): string {
  // cli-progress passes 'INF' or 'NULL' while it has no rate yet.
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)}h${pad(minutes % 60)}m`;
}

function formatRate(x: number): string {
  return x >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : x.toFixed(0);
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(5) : String(x);
}

/**
 * A live progress bar for terminals (cli-progress): iteration, rate, ETA, current meta-loss and
 * last evaluation. `stop` leaves the final bar on screen.
 */
export function progressBar(options: { total: number; startIteration: number }) {
  const { SingleBar, Presets } = cliProgress();
  const bar = new SingleBar(
    {
      format:
        '{bar} {value}/{total} | {rate} it/s | ETA {eta_formatted} | meta-loss {metaLoss} | eval {evalLoss}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
      formatTime: (t) => formatEta(t),
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  let lastEval = '–';
  bar.start(options.total, options.startIteration, {
    rate: '0.0',
    metaLoss: '–',
    evalLoss: lastEval,
  });
  return {
    update(record: IterationRecord) {
      if (record.evaluation) lastEval = fmt(record.evaluation.evalLoss);
      const rate =
        (record.iteration - options.startIteration) /
        Math.max(1e-9, (performance.now() - started) / 1000);
      bar.update(record.iteration, {
        rate: rate.toFixed(1),
        metaLoss: fmt(record.metaLoss),
        evalLoss: lastEval,
      });
    },
    stop: () => bar.stop(),
  };
}
