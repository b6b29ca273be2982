import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot, pes, temporaryDirectory } from './helpers.js';

/** Whether this machine lets a process mount a file system in a namespace of its own. */
const canMount = spawnSync('unshare', ['-rm', 'true']).status === 0;

const quick = [
  '--task',
  'quadratic',
  '--iterations',
  '40',
  '--eval-every',
  '10',
  '--checkpoint-every',
  '15',
];

function readJson(file: string) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('pes meta-train', () => {
  it('writes config.json, metrics.jsonl, a checkpoint and result.json', async () => {
    const out = join(temporaryDirectory(), 'run');
    const { status, out: lines } = await pes(
      'meta-train',
      ...quick,
      '--estimator',
      'pes',
      '--out',
      out,
    );
    expect(status).toBe(0);
    expect(lines.join('\n')).toMatch(/^pes: done in .*: 40 iterations/m);
    expect(lines.at(-1)).toMatch(/^ {2}report {13}.*report\.html$/);
    expect(lines.at(-2)).toMatch(
      /^ {2}files {2}.*run\/ \(config.json, metrics.jsonl, checkpoint.json, result.json\)$/,
    );
    const config = readJson(join(out, 'config.json'));
    expect(config).toMatchObject({
      task: 'quadratic',
      estimator: 'pes',
      iterations: 40,
      particles: 100,
      sigma: 0.1,
    });
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.iteration)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(metrics[9]).toHaveProperty('evalLoss');
    expect(existsSync(join(out, 'checkpoint.json'))).toBe(true);
    const result = readJson(join(out, 'result.json'));
    expect(result).toMatchObject({ task: 'quadratic', estimator: 'pes', config });
    expect(result.theta).toHaveLength(2);
    expect(result.history.map((h: { iteration: number }) => h.iteration)).toEqual([
      0, 10, 20, 30, 40,
    ]);
    for (const h of result.history)
      expect(Object.keys(h)).toEqual(
        expect.arrayContaining(['iteration', 'theta', 'metaLoss', 'evalLoss']),
      );
    expect(result.initial.evalLoss).toBeGreaterThan(result.final.evalLoss);
    expect(result.final.theta).toEqual(result.theta);
  });

  it('lets flags override the task defaults', async () => {
    const out = join(temporaryDirectory(), 'run');
    const flags = [
      '--unroll',
      '5',
      '--horizon',
      '50',
      '--particles',
      '10',
      '--sigma',
      '0.2',
      '--outer-optimizer',
      'sgd',
      '--outer-lr',
      '0.001',
      '--seed',
      '9',
      '--no-antithetic',
    ];
    expect(
      (await pes('meta-train', ...quick, '--estimator', 'tes', ...flags, '--out', out)).status,
    ).toBe(0);
    expect(readJson(join(out, 'config.json'))).toMatchObject({
      estimator: 'tes',
      unrollLength: 5,
      horizon: 50,
      particles: 10,
      sigma: 0.2,
      outerOptimizer: 'sgd',
      outerLr: 0.001,
      seed: 9,
      antithetic: false,
    });
  });

  it('runs every estimator of the registry on the quadratic task', async () => {
    for (const estimator of ['pes', 'tes', 'es', 'nres', 'tbptt', 'bptt']) {
      const out = join(temporaryDirectory(), estimator);
      const { status } = await pes('meta-train', ...quick, '--estimator', estimator, '--out', out);
      expect(status, estimator).toBe(0);
      expect(readJson(join(out, 'result.json')).estimator).toBe(estimator);
    }
  });

  it('refuses to overwrite a run unless told to', async () => {
    const out = join(temporaryDirectory(), 'run');
    await pes('meta-train', ...quick, '--out', out);
    const again = await pes('meta-train', ...quick, '--out', out);
    expect(again.status).toBe(2);
    expect(again.err).toEqual([
      expect.stringMatching(/already holds a run; continue it with --resume/),
    ]);
    expect((await pes('meta-train', ...quick, '--out', out, '--overwrite')).status).toBe(0);
  });
});

describe('bad input: one clear line, exit code 2, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown task', ['--task', 'mnist-nope'], /unknown task 'mnist-nope'; known tasks: quadratic/],
    [
      'unknown estimator',
      ['--task', 'quadratic', '--estimator', 'sgd'],
      /unknown estimator 'sgd'; known estimators: pes/,
    ],
    [
      'non-numeric sigma',
      ['--task', 'quadratic', '--sigma', 'abc'],
      /option '--sigma <S>' argument 'abc' is invalid\. expected a number/,
    ],
    [
      'negative sigma',
      ['--task', 'quadratic', '--sigma', '-0.1'],
      /^pes: --sigma: .*>0.*\(got -0\.1\)/,
    ],
    [
      'zero particles',
      ['--task', 'quadratic', '--particles', '0'],
      /^pes: --particles: .*\(got 0\)/,
    ],
    [
      'fractional unroll',
      ['--task', 'quadratic', '--unroll', '2.5'],
      /--unroll <K>' argument '2\.5' is invalid\. expected an integer/,
    ],
    [
      'odd particles with antithetic pairs',
      ['--task', 'quadratic', '--particles', '7'],
      /antithetic sampling needs an even number of particles, got 7/,
    ],
    [
      'unknown outer optimizer',
      ['--task', 'quadratic', '--outer-optimizer', 'rmsprop'],
      /--outer-optimizer: .*expected one of "sgd"\|"momentum"\|"adam" \(got "rmsprop"\)/,
    ],
    ['unknown flag', ['--task', 'quadratic', '--sigmaa', '1'], /unknown option '--sigmaa'/],
    ['missing task', [], /--task is required/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const out = join(temporaryDirectory(), 'run');
    const { status, err } = await pes('meta-train', ...args, '--out', out);
    expect(status).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^pes: /);
    expect(err[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('an output path under a file', async () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, 'file'), 'x');
    const { status, err } = await pes(
      'meta-train',
      '--task',
      'quadratic',
      '--out',
      join(dir, 'file', 'run'),
    );
    expect(status).toBe(2);
    expect(err[0]).toMatch(/cannot create output directory .*ENOTDIR/);
  });

  // A real read-only file system: a tmpfs mounted read-only in a namespace of the test's own.
  it.skipIf(!canMount)('an output path on a read-only file system: EROFS', () => {
    const mount = join(temporaryDirectory(), 'read-only');
    mkdirSync(mount);
    const pesJs = join(appRoot, 'bin/pes.js');
    const run = `${process.execPath} ${pesJs} meta-train --task quadratic --out ${mount}/runs/a`;
    const { status, stderr } = spawnSync(
      'unshare',
      ['-rm', 'sh', '-c', `mount -t tmpfs -o ro tmpfs ${mount} && ${run}`],
      { encoding: 'utf8' },
    );
    expect(stderr).toMatch(
      /^pes: cannot create output directory .*\/runs\/a: EROFS \(read-only file system\)\n$/,
    );
    expect(status).toBe(2);
  });

  it('resume of a missing, corrupt or mismatched run', async () => {
    const missing = await pes('meta-train', '--resume', join(temporaryDirectory(), 'none'));
    expect(missing.status).toBe(2);
    expect(missing.err[0]).toMatch(/no run directory/);

    const out = join(temporaryDirectory(), 'run');
    await pes('meta-train', ...quick, '--out', out);
    const checkpoint = join(out, 'checkpoint.json');
    const good = readFileSync(checkpoint, 'utf8');
    writeFileSync(checkpoint, good.slice(0, 200));
    const corrupt = await pes('meta-train', '--resume', out);
    expect(corrupt.status).toBe(2);
    expect(corrupt.err).toEqual([expect.stringMatching(/cannot resume .*corrupt/)]);

    writeFileSync(checkpoint, good);
    const flags = await pes('meta-train', '--resume', out, '--sigma', '0.3');
    expect(flags.status).toBe(2);
    expect(flags.err[0]).toMatch(
      /--sigma 0\.3 does not match the run's sigma \(0\.1\); only --iterations may change/,
    );

    const config = readJson(join(out, 'config.json'));
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...config, sigma: 0.5 }));
    const mismatch = await pes('meta-train', '--resume', out);
    expect(mismatch.err[0]).toMatch(
      /made with other settings .*\(sigma: checkpoint 0\.1, config\.json 0\.5\)$/,
    );

    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...config, sigma: 'big' }));
    const invalid = await pes('meta-train', '--resume', out);
    expect(invalid.status).toBe(2);
    expect(invalid.err[0]).toMatch(/config\.json: sigma: .*number.*\(got "big"\)/);
  });
});

describe('other commands', () => {
  it('pes list names every task and estimator', async () => {
    const { status, out } = await pes('list');
    expect(status).toBe(0);
    expect(out.join('\n')).toMatch(/quadratic/);
    for (const e of ['pes', 'tes', 'es', 'nres', 'tbptt', 'bptt'])
      expect(out.join('\n')).toMatch(new RegExp(`^  ${e} `, 'm'));
  });

  it('--help exits 0 with examples', async () => {
    const { status, out } = await pes('meta-train', '--help');
    expect(status).toBe(0);
    expect(out.join('\n')).toMatch(/Examples:/);
  });
});
