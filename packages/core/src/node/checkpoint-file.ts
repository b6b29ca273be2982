import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeState, encodeState } from '../codec.js';

const FORMAT = 'pes-checkpoint';
const VERSION = 1;

/** A checkpoint file could not be read back: missing, truncated, tampered with or foreign. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/**
 * A file could not be written (a full disk, an I/O error, no permission). The file it was to
 * replace is untouched, and the message says so.
 */
export class WriteError extends Error {
  override readonly name = 'WriteError';
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'an input/output error',
  EACCES: 'permission denied',
  EROFS: 'a read-only file system',
};

/**
 * Writes `file` so that a crash or a failed write at any instant leaves either the old complete
 * file or the new complete one: every byte into a temporary file beside it (a write may take
 * fewer bytes than asked, so it is repeated until all are in), flushed to disk, then renamed
 * over `file`, and the rename flushed. On any failure the temporary file is removed and `file`
 * is left as it was. (write-file-atomic does the same but does not flush the directory.)
 */
export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
  const temporary = `${file}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openSync(temporary, 'w');
    for (let written = 0; written < bytes.length;) {
      const n = writeSync(fd, bytes, written, bytes.length - written);
      if (n <= 0)
        throw Object.assign(new Error('the device took no more bytes'), { code: 'ENOSPC' });
      written += n;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, file);
  } catch (error) {
    if (fd !== undefined) ignoreErrors(() => closeSync(fd!));
    ignoreErrors(() => unlinkSync(temporary));
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code ? `${code}, ${REASONS[code] ?? (error as Error).message}` : String(error);
    throw new WriteError(
      `cannot write ${file} (${reason}); the previous ${basename(file)} is unchanged`,
    );
  }
  // Make the rename itself durable.
  try {
    const dirFd = openSync(dirname(file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some file systems do not allow fsync on a directory; the rename is still atomic.
  }
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // Cleaning up after a failure: the failure is what gets reported.
  }
}

/**
 * Removes the temporary files that writes of processes no longer running left in `dir`
 * (`NAME.tmp-PID`, from a kill during a write). Those of a live process are left alone.
 */
export function removeStrayTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(/\.tmp-(\d+)$/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    ignoreErrors(() => {
      unlinkSync(join(dir, name));
      removed.push(name);
    });
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function digest(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Saves any state built of numbers, strings, arrays, records and typed arrays, atomically. */
export function saveCheckpoint(file: string, state: unknown): void {
  const body = JSON.stringify(encodeState(state));
  const envelope = `{"format":"${FORMAT}","version":${VERSION},"sha256":"${digest(body)}","state":${body}}\n`;
  writeFileAtomic(file, envelope);
}

/** Reads a checkpoint back, bit for bit; throws CheckpointError naming what is wrong. */
export function loadCheckpoint(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CheckpointError(
      `cannot read checkpoint ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const prefix = text.match(
    /^\{"format":"([^"]*)","version":(\d+),"sha256":"([0-9a-f]{64})","state":/,
  );
  if (!prefix) throw new CheckpointError(`${file} is not a @pes checkpoint (no header)`);
  if (prefix[1] !== FORMAT)
    throw new CheckpointError(`${file} has format ${prefix[1]}, expected ${FORMAT}`);
  if (Number(prefix[2]) !== VERSION) {
    throw new CheckpointError(
      `${file} is checkpoint version ${prefix[2]}; this @pes reads version ${VERSION}`,
    );
  }
  const body = text.slice(prefix[0].length).replace(/\}\n?$/, '');
  if (digest(body) !== prefix[3]) {
    throw new CheckpointError(`${file} is corrupt: its contents do not match their checksum`);
  }
  try {
    return decodeState(JSON.parse(body));
  } catch (error) {
    throw new CheckpointError(`${file} is corrupt: ${(error as Error).message}`);
  }
}
