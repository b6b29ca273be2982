import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { appRoot, temporaryDirectory } from './helpers.js';

const bin = join(appRoot, 'bin/pes.js');

/** The built `pes` command, as a user runs it. */
function pes(...argv: string[]) {
  const r = spawnSync(process.execPath, [bin, ...argv], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const quick = ['--task', 'quadratic', '--iterations', '20', '--eval-every', '10'];

describe('the built pes command: configs', () => {
  it('--print-config writes a YAML file that --config reads back, flags overriding it', () => {
    const dir = temporaryDirectory();
    const printed = pes('meta-train', '--task', 'toy-regression', '--print-config');
    expect(printed.status).toBe(0);
    const config = parse(printed.stdout);
    expect(config).toMatchObject({
      task: 'toy-regression',
      sigma: 0.3,
      unrollLength: 10,
      outerLr: 0.01,
    });
    writeFileSync(
      join(dir, 'toy.yaml'),
      printed.stdout
        .replace('sigma: 0.3', 'sigma: 0.2')
        .replace('iterations: 5000', 'iterations: 5'),
    );
    const run = pes(
      'meta-train',
      '--config',
      join(dir, 'toy.yaml'),
      '--seed',
      '7',
      '--out',
      join(dir, 'run'),
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'run/config.json'), 'utf8'))).toMatchObject({
      sigma: 0.2,
      iterations: 5,
      seed: 7,
    });
  });

  it.each([
    [
      'a YAML syntax error, with its line',
      'bad.yaml',
      'task: quadratic\nsigma: [1\n',
      /bad\.yaml is not valid YAML at line 3, column 1/,
    ],
    [
      'a JSON syntax error, with the text around it',
      'bad.json',
      '{"task": "quadratic", "sigma": }',
      /bad\.json is not valid JSON: .*"sigma": \}/,
    ],
    [
      'an unknown field, with the nearest valid name',
      'typo.yaml',
      'task: quadratic\nsigmaa: 0.1\n',
      /typo\.yaml: unknown field 'sigmaa'; did you mean 'sigma'\?/,
    ],
    [
      'a value of the wrong type',
      'type.yaml',
      'task: quadratic\nparticles: many\n',
      /type\.yaml: particles: .*expected number.*\(got "many"\)/,
    ],
    ['a missing file', 'absent.yaml', undefined, /cannot read config file .*absent\.yaml: ENOENT/],
  ])('refuses %s: one line, exit 2, nothing written', (_name, file, text, message) => {
    const dir = temporaryDirectory();
    if (text !== undefined) writeFileSync(join(dir, file), text);
    const r = pes('meta-train', '--config', join(dir, file), '--out', join(dir, 'run'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });
});

describe('the built pes command: runs, resume, reports', () => {
  it('refuses to reuse a run directory without --resume or --overwrite', () => {
    const out = join(temporaryDirectory(), 'run');
    expect(pes('meta-train', ...quick, '--out', out).status).toBe(0);
    const again = pes('meta-train', ...quick, '--out', out);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(
      /already holds a run; continue it with --resume .*, or pass --overwrite/,
    );
  });

  it('refuses a resume whose flags disagree with the run, or a checkpoint of another version', () => {
    const out = join(temporaryDirectory(), 'run');
    pes('meta-train', ...quick, '--out', out);
    const same = pes('meta-train', '--resume', out, '--sigma', '0.1', '--iterations', '30');
    expect(same.status).toBe(0); // flags equal to the run's settings are fine; iterations may grow
    const differ = pes('meta-train', '--resume', out, '--sigma', '0.3');
    expect(differ.status).toBe(2);
    expect(differ.stderr.trim()).toMatch(
      /^pes: --resume: --sigma 0\.3 does not match the run's sigma \(0\.1\); only --iterations may change$/,
    );
    const checkpoint = join(out, 'checkpoint.json');
    writeFileSync(
      checkpoint,
      readFileSync(checkpoint, 'utf8').replace('"version":1', '"version":2'),
    );
    const version = pes('meta-train', '--resume', out, '--iterations', '40');
    expect(version.status).toBe(2);
    expect(version.stderr.trim()).toMatch(
      /^pes: cannot resume .*checkpoint version 2; this @pes reads version 1$/,
    );
  });

  it('writes report.html at the end of a run, readable offline, with the plots as PNG beside it', () => {
    const out = join(temporaryDirectory(), 'run');
    const r = pes('meta-train', ...quick, '--out', out);
    expect(r.stdout).toMatch(/report {13}.*report\.html/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).toMatch(/evalLoss/);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(readdirSync(out).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(3);
    expect(pes('report', out).stdout.trim()).toBe(join(out, 'report.html'));
  });

  it('pes compare overlays runs and tabulates their final figures', () => {
    const dir = temporaryDirectory();
    pes('meta-train', ...quick, '--estimator', 'pes', '--out', join(dir, 'a'));
    pes('meta-train', ...quick, '--estimator', 'tes', '--out', join(dir, 'b'));
    const r = pes('compare', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'cmp'));
    expect(r.status).toBe(0);
    const html = readFileSync(join(dir, 'cmp/compare.html'), 'utf8');
    expect(html).toMatch(/<td>a<\/td><td>pes<\/td>/);
    expect(html).toMatch(/<td>b<\/td><td>tes<\/td>/);
    const missing = pes('compare', join(dir, 'nope'), '--out', join(dir, 'cmp2'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/holds no run: config\.json is missing/);
    // Refused before anything is written: no output directory is left behind.
    expect(existsSync(join(dir, 'cmp2'))).toBe(false);
  });

  it('pes report and compare on a truncated config.json or result.json: one line, exit 2', () => {
    const dir = temporaryDirectory();
    const run = join(dir, 'run');
    pes('meta-train', ...quick, '--out', run);
    for (const file of ['result.json', 'config.json']) {
      const path = join(run, file);
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.slice(0, text.length >> 1));
      for (const argv of [
        ['report', run],
        ['compare', run, '--out', join(dir, `cmp-${file}`)],
      ]) {
        const r = pes(...argv);
        expect(r.status, `${argv[0]} with a truncated ${file}`).toBe(2);
        expect(r.stderr.trim().split('\n')).toEqual([
          expect.stringMatching(
            new RegExp(`^pes: .*${file.replace('.', '\\.')} is not valid JSON`),
          ),
        ]);
      }
      expect(existsSync(join(dir, `cmp-${file}`))).toBe(false);
      writeFileSync(path, text);
    }
  });

  it('plain progress lines when output is not a terminal: no control characters', () => {
    const r = pes('meta-train', ...quick, '--out', join(temporaryDirectory(), 'run'));
    expect(r.stdout).toMatch(/^iter 20\/20 {2}meta-loss /m);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u001b\r]/);
  });
});
