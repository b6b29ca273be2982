import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, runBuilt as run, spawnBuilt, temporaryDirectory, until } from './helpers.js';

// Seconds long, so that the second process starts while the first still runs.
const long = [
  'meta-train',
  '--task',
  'quadratic',
  '--particles',
  '200',
  '--iterations',
  '100000',
  '--eval-every',
  '0',
];

describe('one owner per run directory', () => {
  it('a second process on the directory, plain, --overwrite or --resume, is refused naming the owner', async () => {
    const dir = join(temporaryDirectory('pes-lock-'), 'run');
    const owner = spawnBuilt([...long, '--out', dir]);
    await until(() => existsSync(join(dir, 'metrics.jsonl')));
    const ownerLine = new RegExp(
      `^pes: .*run is in use by pes \\(pid ${owner.pid} on [^,]+, since [^)]+\\); wait for it to finish or stop it`,
    );
    for (const argv of [
      [...long, '--out', dir],
      [...long, '--out', dir, '--overwrite'],
      ['meta-train', '--resume', dir],
    ]) {
      const second = await run(argv);
      expect(second.code, JSON.stringify(argv)).toBe(2);
      expect(second.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(ownerLine)]);
    }
    // The owner's files are its own: one run in metrics.jsonl, counted from 1.
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.iterations).toBe(100000);
    owner.kill('SIGINT');
    expect((await exited(owner)).code).toBe(130);
    // Released on the way out: the directory is anyone's again.
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    const iterations = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).iteration as number);
    expect(iterations).toEqual(Array.from({ length: iterations.length }, (_, i) => i + 1));
  }, 60_000);

  it('the lock of a killed process is taken over at once', async () => {
    const dir = join(temporaryDirectory('pes-lock-'), 'run');
    const owner = spawnBuilt([...long, '--out', dir]);
    await until(() => existsSync(join(dir, 'metrics.jsonl')));
    owner.kill('SIGKILL');
    await exited(owner);
    expect(existsSync(join(dir, 'run.lock'))).toBe(true);
    const resumed = await run(['meta-train', '--resume', dir, '--iterations', '1']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  }, 60_000);
});
