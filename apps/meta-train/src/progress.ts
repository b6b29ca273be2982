import cliProgress from 'cli-progress';
import type { IterationRecord } from '@pes/core';

const { SingleBar, Presets } = cliProgress;

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
      `eta ${Math.round(eta)}s`,
      record.nonFiniteParticles > 0 ? `non-finite ${record.nonFiniteParticles}` : undefined,
    ];
    options.write(parts.filter(Boolean).join('  '));
  };
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
  const bar = new SingleBar(
    {
      format:
        '{bar} {value}/{total} | {rate} it/s | ETA {eta_formatted} | meta-loss {metaLoss} | eval {evalLoss}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
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
