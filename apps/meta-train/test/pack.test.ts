import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from './helpers.js';

const root = join(import.meta.dirname, '../../..');
const packages = ['core', 'inner-problems', 'learned-opt', 'hpo'];
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/**
 * The packages as a user gets them: built, packed by npm, installed from the tarballs into a
 * fresh project, then imported from JavaScript and type-checked from TypeScript.
 */
describe('npm pack', () => {
  it('gives tarballs that a separate project installs, imports and type-checks', () => {
    const packs = temporaryDirectory('pes-packs-');
    for (const p of packages) {
      execFileSync('npm', ['pack', '--silent', '--pack-destination', packs], {
        cwd: join(root, 'packages', p),
      });
    }
    const tarballs = readdirSync(packs);
    expect(tarballs).toHaveLength(packages.length);

    const user = temporaryDirectory('pes-user-');
    const dependencies = Object.fromEntries(
      packages.map((p) => [
        `@pes/${p}`,
        `file:${join(
          packs,
          tarballs.find((t) => t.startsWith(`pes-${p}-`))!,
        )}`,
      ]),
    );
    writeFileSync(
      join(user, 'package.json'),
      JSON.stringify({
        name: 'user',
        private: true,
        type: 'module',
        dependencies,
        // tfjs pulls core-js, whose postinstall only prints a banner; say so, as npm 11 asks.
        allowScripts: { 'core-js': false },
      }),
    );
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: user },
    );
    for (const p of packages) {
      expect(existsSync(join(user, 'node_modules/@pes', p, 'dist/index.d.ts'))).toBe(true);
      // The ./node entry's types, wherever its package.json exports put them.
      const installed = join(user, 'node_modules/@pes', p);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
        exports: Record<string, { types: string }>;
      };
      expect(existsSync(join(installed, manifest.exports['./node']!.types))).toBe(true);
      expect(existsSync(join(user, 'node_modules/@pes', p, 'src'))).toBe(false);
    }

    const program = `
      import { makeKey, persistentEs, resolveTaskOptions } from '@pes/core';
      import { quadraticTaskSpec } from '@pes/inner-problems';
      import '@pes/hpo';
      import '@pes/learned-opt';
      import { loadCheckpoint, saveCheckpoint } from '@pes/core/node';
      import { innerProblemTasks } from '@pes/inner-problems/node';
      import { hpoTasks } from '@pes/hpo/node';
      import { learnedOptTasks } from '@pes/learned-opt/node';
      const task = await quadraticTaskSpec.create(resolveTaskOptions(quadraticTaskSpec));
      const pes = persistentEs(task, { particles: 4, sigma: 0.1, unrollLength: 5 });
      const theta: Float64Array = task.initialTheta();
      const { grad } = pes.estimate(theta, pes.init(theta, makeKey(0)), makeKey(1));
      saveCheckpoint('grad.json', { grad });
      const back = loadCheckpoint('grad.json') as { grad: Float64Array };
      const tasks = [...innerProblemTasks, ...hpoTasks, ...learnedOptTasks].map((t) => t.name);
      console.log(JSON.stringify({ grad: Array.from(back.grad), tasks }));
    `;
    writeFileSync(join(user, 'main.ts'), program);
    writeFileSync(
      join(user, 'main.mjs'),
      program.replace(': Float64Array', '').replace(' as { grad: Float64Array }', ''),
    );
    const output = execFileSync(process.execPath, ['main.mjs'], { cwd: user, encoding: 'utf8' });
    const { grad, tasks } = JSON.parse(output) as { grad: number[]; tasks: string[] };
    expect(grad).toHaveLength(2);
    expect(grad.every(Number.isFinite)).toBe(true);
    expect(tasks).toEqual(expect.arrayContaining(['quadratic', 'mnist-lr-schedule', 'lopt-mnist']));
    execFileSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        // tfjs's own declarations do not pass strict library checks; ours are read through main.ts.
        '--skipLibCheck',
        'main.ts',
      ],
      { cwd: user },
    );
  }, 180_000);
});
