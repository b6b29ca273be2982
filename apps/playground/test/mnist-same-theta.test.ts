import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { runSettingsSchema, type RunSettings } from '@pes/core';
import { loadImageData } from '@pes/inner-problems/node';
import { main } from '@pes/meta-train';
import { describe, expect, it } from 'vitest';
import {
  createMnistRun,
  mnistFinished,
  MNIST_PAGE_OPTIONS,
  MNIST_PAGE_SETTINGS,
  stepMnistRun,
} from '../src/mnist-training.js';
import { thetaBits } from '../src/training.js';

/** Enough outer Adam steps for keys, optimizer state and schedule to matter; cheap on wasm. */
const ITERATIONS = 6;
const SEED = 3;

/** Run settings that say when to write checkpoints: the page writes none. */
const CHECKPOINTING = new Set(['checkpointEvery', 'checkpointSeconds']);

/** `pes meta-train`'s flag for each page setting and option that decides θ. */
function cliFlags(settings: RunSettings): string[] {
  const { arch, horizon, batchSize, schedule, formulation } = MNIST_PAGE_OPTIONS;
  return [
    ...['--estimator', settings.estimator, '--particles', String(settings.particles)],
    ...['--unroll', String(settings.unrollLength), '--sigma', String(settings.sigma)],
    ...['--outer-optimizer', settings.outerOptimizer, '--outer-lr', String(settings.outerLr)],
    ...['--iterations', String(settings.iterations), '--eval-every', String(settings.evalEvery)],
    ...['--seed', String(settings.seed)],
    ...['--arch', arch, '--horizon', String(horizon), '--batch', String(batchSize)],
    ...['--schedule', schedule, '--formulation', formulation],
  ];
}

/** θ, validation accuracy and the settings `pes meta-train` recorded, run in this process. */
async function cliRun(settings: RunSettings) {
  const dir = mkdtempSync(join(tmpdir(), 'pes-playground-mnist-cli-'));
  try {
    const err: string[] = [];
    const out = join(dir, 'run');
    const status = await main(
      [
        'meta-train',
        '--task',
        'mnist-lr-schedule',
        ...cliFlags(settings),
        '--workers',
        '1',
        '--out',
        out,
      ],
      { out: () => {}, err: (line) => err.push(line) },
    );
    if (status !== 0) throw new Error(`pes meta-train exited ${status}: ${err.join('\n')}`);
    const read = (name: string) => JSON.parse(readFileSync(join(out, name), 'utf8'));
    const result = read('result.json') as { theta: number[]; final: { valAccuracy: number } };
    return {
      theta: result.theta,
      valAccuracy: result.final.valAccuracy,
      config: read('config.json'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The page worker's run (createMnistRun, stepMnistRun) to the end, on `data`. */
function pageRun(data: ReturnType<typeof loadImageData>, settings: RunSettings) {
  let run = createMnistRun(data, settings);
  let valAccuracy: number | undefined;
  while (!mnistFinished(run)) {
    const next = stepMnistRun(run);
    run = next.run;
    valAccuracy = next.point.valAccuracy ?? valAccuracy;
  }
  const theta = Array.from(run.state.theta);
  run.trainer.dispose(run.state);
  return { theta, valAccuracy };
}

const maxDifference = (a: number[], b: number[]) =>
  Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

describe('the MNIST panel’s run gives the θ of pes meta-train --task mnist-lr-schedule', () => {
  const settings = runSettingsSchema.parse({
    ...MNIST_PAGE_SETTINGS,
    iterations: ITERATIONS,
    evalEvery: ITERATIONS,
    seed: SEED,
  });
  // The digits pes meta-train splits from the embedded set; the page's asset is their first part.
  const data = loadImageData({ dataset: 'mnist' });

  it('bit for bit, with the same seed, settings and digits, on the same tfjs backend', async () => {
    const cli = await cliRun(settings);
    // The page's run computes on the backend the command line chose (wasm, without tfjs-node).
    console.info(`tfjs backend: ${tf.getBackend()}`);
    // Every setting that decides θ is the page's (when to write checkpoints does not).
    for (const [field, value] of [
      ...Object.entries(settings),
      ...Object.entries(MNIST_PAGE_OPTIONS),
    ])
      if (!CHECKPOINTING.has(field)) expect(cli.config[field], field).toEqual(value);
    const page = pageRun(data, settings);
    // One process, one backend, the same construction: float32 rounding is the same too, so θ
    // agrees to the last bit (measured: max |Δθ| = 0), not merely to float32 precision.
    expect(thetaBits(page.theta)).toEqual(thetaBits(cli.theta));
    expect(page.valAccuracy).toBe(cli.valAccuracy);

    // The comparison has power: another seed ends elsewhere.
    const other = pageRun(data, runSettingsSchema.parse({ ...settings, seed: SEED + 1 }));
    expect(maxDifference(other.theta, cli.theta)).toBeGreaterThan(1e-4);
  }, 300_000);
});
