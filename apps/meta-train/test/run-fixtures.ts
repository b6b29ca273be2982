import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One evaluation of a fixture run: an image task's figures at `iteration`. */
function evaluation(iteration: number) {
  return {
    iteration,
    theta: [-1 + iteration / 100, 0.5],
    evalLoss: 100 - iteration,
    valAccuracy: 0.8 + iteration / 1000,
    valLoss: 0.5 - iteration / 1000,
  };
}

/** A metrics.jsonl line as `pes meta-train` appends it. */
export function metricsLine(iteration: number, evaluated: boolean): string {
  return `${JSON.stringify({
    iteration,
    metaLoss: 50 - iteration / 2,
    gradNorm: 1,
    theta: [-1 + iteration / 100, 0.5],
    innerSteps: 10 * iteration,
    innerStepsThisIteration: 10,
    nonFiniteParticles: 0,
    skipped: false,
    ...(evaluated ? evaluation(iteration) : {}),
    elapsedSeconds: iteration / 10,
  })}\n`;
}

/**
 * Writes a run directory like `pes meta-train`'s: `iterations` metric lines, evaluations every
 * `evalEvery` (0: only at the start and the end), and result.json when `finished`.
 */
export function writeRun(
  dir: string,
  options: {
    iterations: number;
    evalEvery: number;
    finished: boolean;
    task?: string;
    estimator?: string;
  },
): string {
  mkdirSync(dir, { recursive: true });
  const { iterations, evalEvery } = options;
  const config = {
    task: options.task ?? 'mnist-lr-schedule',
    estimator: options.estimator ?? 'pes',
    iterations,
    evalEvery,
    seed: 0,
  };
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const due = (i: number) => i === iterations || (evalEvery > 0 && i % evalEvery === 0);
  let lines = '';
  for (let i = 1; i <= iterations; i++) lines += metricsLine(i, due(i));
  writeFileSync(join(dir, 'metrics.jsonl'), lines);
  if (options.finished) {
    const history = [0, ...Array.from({ length: iterations }, (_, i) => i + 1).filter(due)].map(
      (i) => ({ ...evaluation(i), metaLoss: i === 0 ? null : 50 - i / 2 }),
    );
    const { iteration: _a, metaLoss: _b, ...initial } = history[0]!;
    const { iteration: _c, metaLoss: _d, ...final } = history.at(-1)!;
    writeFileSync(
      join(dir, 'result.json'),
      JSON.stringify({
        ...config,
        config,
        theta: [0.5, -0.25],
        history,
        initial,
        final,
        iterations,
      }),
    );
  }
  return dir;
}
