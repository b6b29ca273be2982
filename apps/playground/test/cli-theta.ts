import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@pes/meta-train';
import type { PlaygroundOverrides } from '../src/run-config.js';

/** `pes meta-train`'s flag for each setting the playground lets a visitor change. */
const FLAGS: Record<keyof PlaygroundOverrides, string> = {
  unrollLength: '--unroll',
  particles: '--particles',
  sigma: '--sigma',
  outerOptimizer: '--outer-optimizer',
  outerLr: '--outer-lr',
  seed: '--seed',
  iterations: '--iterations',
  evalEvery: '--eval-every',
};

/**
 * The θ `pes meta-train` ends with (result.json; JSON keeps every float64 exactly), run in this
 * process from the command line's source.
 */
export async function cliTheta(
  task: string,
  estimator: string,
  overrides: PlaygroundOverrides,
): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pes-playground-cli-'));
  try {
    const flags = Object.entries(overrides).flatMap(([field, value]) =>
      value === undefined ? [] : [FLAGS[field as keyof PlaygroundOverrides], String(value)],
    );
    const err: string[] = [];
    const status = await main(
      ['meta-train', '--task', task, '--estimator', estimator, ...flags, '--out', join(dir, 'run')],
      { out: () => {}, err: (line) => err.push(line) },
    );
    if (status !== 0) throw new Error(`pes meta-train exited ${status}: ${err.join('\n')}`);
    const result = JSON.parse(readFileSync(join(dir, 'run/result.json'), 'utf8')) as {
      theta: number[];
    };
    return result.theta;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
