import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { pes, temporaryDirectory } from './helpers.js';

describe('every error is one line: exit 2 for bad input, 1 for ours', () => {
  it.each([
    [
      ['--task', 'quadratic', '--sigma', '1e400'],
      /--sigma .*'1e400' is invalid\. expected a finite number\./,
    ],
    [
      ['--task', 'quadratic', '--particles', '100000000'],
      /^pes: --particles: at most 100,000 particles .*\(got 100000000\)$/,
    ],
    [
      ['--task', 'mnist-mlp', '--batch', '1000000000'],
      /^pes: --batch: at most 100,000 records a minibatch .*\(got 1000000000\)$/,
    ],
    [
      ['--task', 'quadratic', '--iterations', '3000000000'],
      /^pes: --iterations: at most 2\^31 − 1 iterations/,
    ],
  ])('%j is refused before anything is written', async (args, message) => {
    const out = join(temporaryDirectory(), 'run');
    const { status, err } = await pes('meta-train', ...args, '--out', out);
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(message)]);
    expect(existsSync(out)).toBe(false);
  });

  it('a YAML config with an alias bomb is refused in one line', async () => {
    const dir = temporaryDirectory();
    const file = join(dir, 'bomb.yaml');
    const levels = ['a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    writeFileSync(file, `${levels.join('\n')}\n`);
    const { status, err } = await pes('meta-train', '--config', file, '--out', join(dir, 'run'));
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(/bomb\.yaml: Excessive alias count/)]);
  });

  it('a failure of ours is one line with a hint to report it, and exit 1', async () => {
    const err: string[] = [];
    const status = await main(['list'], {
      out: () => {
        throw new TypeError('the terminal went away');
      },
      err: (line) => err.push(line),
    });
    expect(status).toBe(1);
    expect(err).toEqual([
      'pes: internal error (TypeError: the terminal went away); please report it with the command you ran',
    ]);
  });
});
