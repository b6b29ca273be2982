import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { makeKey, median, runMetaTraining } from '@pes/core';
import { influenceBalancingTask } from '@pes/inner-problems';
import { UsageError } from '../errors.js';
import { buildRun, resolveRun, type Io } from '@pes/runner/node';

const NUMPY_SCRIPT = join(
  import.meta.dirname,
  '../../../../tools/bench/influence_balancing_numpy.py',
);

/**
 * `pes bench influence-balancing`: the paper's whole PES run (N = 1000, K = 1, 3000
 * iterations) timed in-process, next to the bare inner dynamics and, with --compare-numpy,
 * the same loop in numpy; repeats interleaved, medians and ratios printed.
 */
export async function bench(options: { repeats: number; compareNumpy: boolean }, io: Io) {
  if (!Number.isInteger(options.repeats) || options.repeats < 1) {
    throw new UsageError(`--repeats must be a positive integer, got ${options.repeats}`);
  }
  const run = resolveRun({ task: 'influence-balancing', estimator: 'pes', evalEvery: 0 });
  const { config } = run;
  const particleSteps = config.particles * config.unrollLength * config.iterations;
  const times: Record<string, number[]> = {
    'PES meta-training run': [],
    'inner dynamics only': [],
  };
  if (options.compareNumpy) times['numpy PES loop'] = [];
  let finalTheta = Number.NaN;
  for (let r = 0; r < options.repeats; r++) {
    const { trainer } = await buildRun(run);
    let started = performance.now();
    const { state } = await runMetaTraining({ trainer });
    times['PES meta-training run']!.push((performance.now() - started) / 1000);
    finalTheta = state.theta[0]!;

    const task = influenceBalancingTask();
    const key = makeKey(0);
    let inner = task.init(key, config.particles);
    const thetas = new Float64Array(config.particles).fill(0.5);
    started = performance.now();
    for (let i = 0; i < config.iterations; i++)
      inner = task.unroll(inner, thetas, config.unrollLength, key).state;
    times['inner dynamics only']!.push((performance.now() - started) / 1000);

    if (options.compareNumpy) {
      const env = { ...process.env };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      try {
        const output = execFileSync('python3', [NUMPY_SCRIPT], { encoding: 'utf8', env });
        times['numpy PES loop']!.push((JSON.parse(output) as { seconds: number }).seconds);
      } catch (error) {
        throw new UsageError(
          `--compare-numpy needs python3 with numpy: ${(error as Error).message.split('\n')[0]}`,
        );
      }
    }
  }
  io.out(
    `influence balancing, PES: N = ${config.particles}, K = ${config.unrollLength}, ${config.iterations} iterations = ${particleSteps.toLocaleString('en')} particle-steps; ${options.repeats} repeats, interleaved`,
  );
  io.out(`final θ = ${finalTheta} (θ* = ${influenceBalancingTask().optimalTheta()})`);
  const reference = median(times['PES meta-training run']!);
  for (const [label, xs] of Object.entries(times)) {
    const m = median(xs);
    io.out(
      `  ${label.padEnd(24)} median ${m.toFixed(3)} s   ${(particleSteps / m / 1e6).toFixed(2)} M particle-steps/s   ×${(m / reference).toFixed(2)} of the PES run`,
    );
  }
  return 0;
}
