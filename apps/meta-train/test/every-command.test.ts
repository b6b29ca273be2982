import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { experimentRegistry } from '@pes/experiments/node';
import { pes, runBuilt, temporaryDirectory } from './helpers.js';

let root: string;
/** Paths of broken inputs, made once. */
const at = (name: string) => join(root, name);

const GARBAGE = Buffer.from([0x00, 0xff, 0x1f, 0x8b, 0x7b, 0x22, 0x0a, 0x3a, 0x2a, 0x26]);

beforeAll(() => {
  root = temporaryDirectory('pes-broken-');
  writeFileSync(at('garbage'), GARBAGE);
  writeFileSync(at('empty'), '');
  writeFileSync(at('truncated.json'), '{"task": "quadratic", "sig');
  writeFileSync(at('list.yaml'), '- 1\n- 2\n');
  mkdirSync(at('a-directory'));
  // Run directories whose files are broken in each way.
  for (const [name, files] of Object.entries({
    'garbage-config': { 'config.json': GARBAGE },
    'array-config': { 'config.json': '[1,2]' },
    'unknown-task': { 'config.json': '{"task":"nope","estimator":"pes"}' },
    'garbage-checkpoint': {
      'config.json': '{"task":"quadratic"}',
      'checkpoint.json': GARBAGE,
    },
    'garbage-result': {
      'config.json': '{"task":"quadratic","estimator":"pes"}',
      'result.json': GARBAGE,
    },
  })) {
    mkdirSync(at(name));
    for (const [file, contents] of Object.entries(files))
      writeFileSync(join(at(name), file), contents);
  }
  mkdirSync(at('config-is-a-directory'));
  mkdirSync(join(at('config-is-a-directory'), 'config.json'));
  // A dataset directory with garbage under the official names.
  mkdirSync(at('mnist-garbage'));
  for (const prefix of ['train', 't10k']) {
    writeFileSync(join(at('mnist-garbage'), `${prefix}-images-idx3-ubyte`), GARBAGE);
    writeFileSync(join(at('mnist-garbage'), `${prefix}-labels-idx1-ubyte`), GARBAGE);
  }
  mkdirSync(at('cifar-garbage'));
  for (const i of [1, 2, 3, 4, 5])
    writeFileSync(join(at('cifar-garbage'), `data_batch_${i}.bin`), GARBAGE);
  writeFileSync(join(at('cifar-garbage'), 'test_batch.bin'), GARBAGE);
});

const experiment = experimentRegistry[0]!.name;

/** Every command, with inputs broken in every way a user manages: `$x` is a path under root. */
const CASES: string[][] = [
  ['bogus-command'],
  ['list', '--bogus'],
  ['list', 'extra'],
  ['meta-train'],
  ['meta-train', '--task', 'nope'],
  ['meta-train', '--task', 'quadratic', '--particles', 'many'],
  ['meta-train', '--task', 'quadratic', '--sigma', '1e400'],
  ['meta-train', '--task', 'quadratic', '--iterations', '-1'],
  ['meta-train', '--task', 'quadratic', '--bogus', '1'],
  ['meta-train', '--task', 'quadratic', '--config', '$missing.yaml'],
  ['meta-train', '--task', 'quadratic', '--config', '$garbage'],
  ['meta-train', '--task', 'quadratic', '--config', '$empty'],
  ['meta-train', '--task', 'quadratic', '--config', '$truncated.json'],
  ['meta-train', '--task', 'quadratic', '--config', '$list.yaml'],
  ['meta-train', '--task', 'quadratic', '--config', '$a-directory'],
  ['meta-train', '--task', 'quadratic', '--out', '$garbage'],
  ['meta-train', '--task', 'quadratic', '--out', '$garbage/below-a-file'],
  ['meta-train', '--resume', '$missing'],
  ['meta-train', '--resume', '$garbage'],
  ['meta-train', '--resume', '$a-directory'],
  ['meta-train', '--resume', '$garbage-config'],
  ['meta-train', '--resume', '$array-config'],
  ['meta-train', '--resume', '$unknown-task'],
  ['meta-train', '--resume', '$garbage-checkpoint'],
  ['meta-train', '--resume', '$config-is-a-directory'],
  ['report'],
  ['report', '$missing'],
  ['report', '$garbage'],
  ['report', '$a-directory'],
  ['report', '$garbage-config'],
  ['report', '$array-config'],
  ['report', '$garbage-result'],
  ['report', '$config-is-a-directory'],
  ['compare', '$garbage-result', '$missing', '--out', '$compare-out'],
  ['compare', '$garbage-result'],
  ['compare', '$garbage', '--out', '$compare-out-2'],
  ['data'],
  ['data', 'info'],
  ['data', 'bogus', '--dataset', 'mnist'],
  ['data', 'info', '--dataset', 'nope'],
  ['data', 'info', '--dataset', 'mnist', '--dir', '$missing'],
  ['data', 'info', '--dataset', 'mnist', '--dir', '$garbage'],
  ['data', 'info', '--dataset', 'mnist', '--dir', '$mnist-garbage'],
  ['data', 'info', '--dataset', 'cifar10', '--dir', '$cifar-garbage'],
  ['experiment'],
  ['experiment', 'nope'],
  ['experiment', experiment, '--bogus'],
  ['experiment', experiment, '--seed', 'x'],
  ['evaluate-optimizer'],
  ['evaluate-optimizer', '--weights', '$missing.json'],
  ['evaluate-optimizer', '--weights', '$garbage'],
  ['evaluate-optimizer', '--weights', '$a-directory'],
  ['evaluate-optimizer', '--weights', '$truncated.json'],
  ['evaluate-optimizer', '--weights', '$truncated.json', '--task', 'nope'],
  ['evaluate-optimizer', '--weights', '$garbage', '--steps', 'x'],
  ['variance'],
  ['variance', '--task', 'nope', '--unroll', '1'],
  ['variance', '--task', 'quadratic', '--unroll', 'x'],
  ['variance', '--task', 'quadratic', '--unroll', '7'],
  ['variance', '--task', 'quadratic', '--unroll', '10', '--out', '$garbage'],
  ['bench'],
  ['bench', 'nope'],
  ['bench', 'scaling'],
  ['bench', 'inner-step', '--dataset', 'nope'],
  ['bench', 'inner-step', '--dataset', 'mnist', '--data-dir', '$missing'],
  ['bench', 'inner-step', '--dataset', 'cifar10', '--data-dir', '$cifar-garbage'],
  ['bench', 'scaling', '--task', 'nope'],
];

const resolved = (argv: string[]) => argv.map((a) => (a.startsWith('$') ? at(a.slice(1)) : a));

/** What is wrong with one outcome: anything but one `pes:` line on stderr and exit 2 (or 1). */
function wrongOutcome(argv: string[], status: number | null, err: string[]): string[] {
  const lines = err.flatMap((l) => l.split('\n')).filter((l) => l !== '');
  const ok = (status === 2 || status === 1) && lines.length === 1 && lines[0]!.startsWith('pes: ');
  return ok ? [] : [`pes ${argv.join(' ')} → exit ${status}: ${err.join('\n')}`];
}

/** The first case of each command, run as real processes a few at a time (each loads the CLI). */
const PROCESS_CASES = CASES.filter(
  (argv, i) => CASES.findIndex((other) => other[0] === argv[0]) === i,
);

describe('every command with broken inputs: one line on stderr, exit 2 (or 1, ours)', () => {
  it('holds for every case (in this process)', async () => {
    const wrong: string[] = [];
    for (const argv of CASES) {
      const { status, err } = await pes(...resolved(argv));
      wrong.push(...wrongOutcome(argv, status, err));
    }
    expect(wrong).toEqual([]);
    // A refused compare creates nothing.
    expect(existsSync(at('compare-out'))).toBe(false);
  }, 120_000);

  it('holds for the built command as a process: no stack trace, no other exit code', async () => {
    const wrong: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        while (next < PROCESS_CASES.length) {
          const argv = PROCESS_CASES[next++]!;
          const { code, signal, stderr } = await runBuilt(resolved(argv));
          wrong.push(...wrongOutcome(argv, code ?? (signal as never), [stderr]));
          if (/\n\s+at /.test(stderr)) wrong.push(`pes ${argv.join(' ')}: a stack trace`);
        }
      }),
    );
    expect(PROCESS_CASES.length).toBeGreaterThanOrEqual(10);
    expect(wrong).toEqual([]);
  }, 120_000);
});
