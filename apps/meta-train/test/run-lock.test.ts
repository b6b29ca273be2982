import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, runBuilt as run, spawnBuilt, temporaryDirectory, until } from './helpers.js';
import { lockRunDirectory, STALE_MS } from '@pes/runner/node';

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
  it('the owner keeps its lock through many refreshes of it (a run longer than the refresh interval)', async () => {
    const dir = join(temporaryDirectory('pes-lock-'), 'run');
    // Refreshed every second (proper-lockfile's least): a run of about 4 s outlives several, as a real run
    // outlives the default 60 s. Before the owner's record moved out of the lock directory,
    // the first refresh found the lock's mtime changed and stopped the run.
    const child = spawnBuilt(
      [
        'meta-train',
        '--task',
        'quadratic',
        '--iterations',
        '8000',
        '--eval-every',
        '0',
        '--out',
        dir,
      ],
      { env: { ...process.env, PES_LOCK_UPDATE_MS: '1000' } },
    );
    const { code } = await exited(child);
    expect(code, child.output().stderr).toBe(0);
    expect(child.output().stderr).not.toContain('lost the lock');
  }, 60_000);

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

/** A lock as another process left it: its owner file, and an mtime `age` ms ago. */
function leftLock(pid: number, age: number): string {
  const dir = temporaryDirectory('pes-lock-');
  mkdirSync(join(dir, 'run.lock'));
  writeFileSync(
    join(dir, 'run.owner.json'),
    JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }),
  );
  const then = (Date.now() - age) / 1000;
  utimesSync(join(dir, 'run.lock'), then, then);
  return dir;
}

describe('the lock, in this process', () => {
  it('a live owner on this host keeps its lock, even one not refreshed for longer than STALE_MS', async () => {
    const dir = leftLock(process.pid, 2 * STALE_MS);
    await expect(lockRunDirectory(dir)).rejects.toThrow(
      new RegExp(`is in use by pes \\(pid ${process.pid} on `),
    );
  });

  it("a dead owner's fresh lock is taken over, and released after", async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dir = leftLock(gone, 0);
    const release = await lockRunDirectory(dir);
    expect(JSON.parse(readFileSync(join(dir, 'run.owner.json'), 'utf8')).pid).toBe(process.pid);
    await release();
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });
});
