import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { decodeState, encodeState } from '../codec.js';

const FORMAT = 'pes-checkpoint';
const VERSION = 1;

/** A checkpoint file could not be read back: missing, truncated, tampered with or foreign. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/**
 * Writes `file` so that a crash at any instant leaves either the old complete file or the
 * new complete one: write a temporary file beside it, flush it to disk, rename it over.
 */
export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    if (typeof contents === 'string') writeSync(fd, contents);
    else writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, file);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
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
