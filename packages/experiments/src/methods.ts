import { runMetaTraining, type MeanAndStd, type MetaTrainState } from '@pes/core';
import { buildRun, resolveRun, type RunConfig } from '@pes/runner/node';

/** One line of a comparison: an estimator with its settings, under a label for the plots. */
export interface Method {
  label: string;
  estimator: string;
  overrides?: Partial<RunConfig>;
}

export interface MethodRun {
  label: string;
  estimator: string;
  config: RunConfig;
  /** Per evaluation: iteration, θ, evaluation loss (and any task figures). */
  history: { iteration: number; theta: number[]; evalLoss: number; metaLoss: number | null }[];
  finalTheta: number[];
  finalEvalLoss: number;
  innerSteps: number;
  seconds: number;
}

/**
 * Runs each method on one task, in this process, with the task's defaults under the method's
 * settings and the experiment's shared ones (iterations, seed, evaluation cadence).
 */
export async function runMethods(
  task: string,
  methods: readonly Method[],
  shared: Partial<RunConfig>,
  onDone: (run: MethodRun) => void = () => undefined,
): Promise<MethodRun[]> {
  const runs: MethodRun[] = [];
  for (const method of methods) {
    const resolved = resolveRun({
      ...shared,
      ...method.overrides,
      task,
      estimator: method.estimator,
    });
    const { config } = resolved;
    const { trainer } = await buildRun(resolved);
    const started = performance.now();
    const { state } = await runMetaTraining({ trainer });
    const run = summarise(method, config, state, (performance.now() - started) / 1000);
    trainer.dispose(state);
    runs.push(run);
    onDone(run);
  }
  return runs;
}

function summarise(
  method: Method,
  config: RunConfig,
  state: MetaTrainState,
  seconds: number,
): MethodRun {
  const history = state.history.map((h) => ({
    iteration: h.iteration,
    theta: h.theta,
    metaLoss: h.metaLoss,
    ...h.evaluation,
  }));
  return {
    label: method.label,
    estimator: method.estimator,
    config,
    history,
    finalTheta: Array.from(state.theta),
    finalEvalLoss: history.at(-1)!.evalLoss,
    innerSteps: state.counters.innerSteps,
    seconds,
  };
}

/** A Markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0)
    ? x.toExponential(3)
    : x.toPrecision(5);
}

/** "mean ± std" of a figure over seeds; n/a where no seed gave one. */
export function formatMeanAndStd(s: MeanAndStd): string {
  return s.mean === null ? 'n/a' : `${formatNumber(s.mean)} ± ${formatNumber(s.std!)}`;
}
