import { existsSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@pes/core/node';
import { EXIT_USAGE, UsageError } from './errors.js';

/** proper-lockfile's lock: a directory made atomically, its mtime refreshed while its owner lives. */
export const LOCK_NAME = 'run.lock';
/** Inside the lock: who holds it, so that a second process can name them. */
/**
 * The owner's record, beside the lock directory and not inside it: a file written into the
 * lock directory changes its mtime, which proper-lockfile reads as its lock compromised.
 */
const OWNER_NAME = 'run.owner.json';

/**
 * A lock whose mtime has not moved for this long belongs to a process that died on another
 * machine (one on this machine is recognised at once by its pid). Long, because a busy owner
 * (an initial evaluation of 20 s and more) refreshes the mtime only between its synchronous steps.
 */
export const STALE_MS = 120_000;

export interface RunOwner {
  pid: number;
  host: string;
  since: string;
}

/** Releases the lock; calling it twice does nothing. */
export type ReleaseLock = () => Promise<void>;

/**
 * Makes this process the one owner of the run directory `dir` (which must exist): every other
 * `pes` on it, a plain rerun, `--overwrite` or `--resume`, is refused with a line naming the
 * owner. A lock left by a process that is gone (killed, a machine that crashed) is taken over:
 * at once when its pid is not running on this host, after `STALE_MS` otherwise.
 */
export async function lockRunDirectory(dir: string): Promise<ReleaseLock> {
  const lockfile = await loadLockfile();
  const lockPath = join(dir, LOCK_NAME);
  const ownerPath = join(dir, OWNER_NAME);
  const previous = readOwner(ownerPath);
  // A live owner here keeps its lock even if busy past STALE_MS (a long synchronous evaluation).
  if (previous?.host === hostname() && isRunning(previous.pid) && existsSync(lockPath))
    throw busy(dir, previous);
  removeAbandonedLock(lockPath, previous);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: STALE_MS,
      // The lock's mtime is refreshed this often (proper-lockfile's default is stale / 2);
      // PES_LOCK_UPDATE_MS shortens it for the test that a run outlives several refreshes.
      update: Number(process.env.PES_LOCK_UPDATE_MS) || STALE_MS / 2,
      // Another process took the directory over (this one stalled past STALE_MS): writing on
      // would interleave two runs, so stop; the last checkpoint stands.
      onCompromised: (error) => {
        process.stderr.write(`pes: lost the lock on ${dir} (${error.message}); stopping\n`);
        process.exit(EXIT_USAGE);
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') throw busy(dir, readOwner(ownerPath));
    throw new UsageError(`cannot lock ${dir}: ${code ?? String(error)}`);
  }
  const owner: RunOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  try {
    writeFileAtomic(ownerPath, `${JSON.stringify(owner)}\n`);
  } catch (error) {
    await release(); // not held past a failure (a full disk): the directory stays usable
    throw error;
  }
  // The record goes with the lock (proper-lockfile removes the lock itself on exit).
  const forgetOwner = () => ignoreErrors(() => unlinkSync(ownerPath));
  process.on('exit', forgetOwner);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    process.off('exit', forgetOwner);
    forgetOwner();
    await release();
  };
}

/** The owner named in a lock, or undefined when there is none (yet) or it cannot be read. */
export function readOwner(ownerPath: string): RunOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(ownerPath, 'utf8')) as Partial<RunOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string')
      return { pid: owner.pid, host: owner.host, since: String(owner.since ?? '?') };
  } catch {
    // No owner written yet, or a torn one: the lock's mtime decides.
  }
  return undefined;
}

/**
 * Removes a lock whose owner is known to be gone: a pid not running on this host, or (any owner)
 * an mtime older than STALE_MS. Renamed away first, so that only one of two processes taking
 * over the same dead lock removes it.
 */
function removeAbandonedLock(lockPath: string, owner: RunOwner | undefined): void {
  let mtime: number;
  try {
    mtime = statSync(lockPath).mtimeMs;
  } catch {
    return;
  }
  const deadHere = owner !== undefined && owner.host === hostname() && !isRunning(owner.pid);
  if (!deadHere && mtime >= Date.now() - STALE_MS) return;
  const aside = `${lockPath}.abandoned-${process.pid}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // another process got there first
  }
  rmSync(aside, { recursive: true, force: true });
}

function busy(dir: string, owner: RunOwner | undefined): UsageError {
  const who = owner
    ? `pes (pid ${owner.pid} on ${owner.host}, since ${owner.since})`
    : 'another pes process';
  return new UsageError(
    `${dir} is in use by ${who}; wait for it to finish or stop it (a lock of a process that is gone is taken over)`,
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // Best effort on the way out.
  }
}

/**
 * proper-lockfile, without the signal handlers its signal-exit installs on load: with any
 * handler, Ctrl-C waits for synchronous work to end (an initial evaluation of 20 s), where the
 * default kills at once. A lock a killed process leaves is taken over at once (its pid is gone).
 */
async function loadLockfile() {
  const signals = Object.keys(constants.signals) as NodeJS.Signals[];
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const lockfile = await import('proper-lockfile');
  for (const signal of signals) {
    for (const listener of process.listeners(signal))
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
  }
  return lockfile;
}
