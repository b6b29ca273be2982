import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The longest line read from a run's metrics.jsonl (8 MiB). A line `pes meta-train` appends
 * holds one θ: a few hundred kilobytes for the largest task. A longer one was not written by a
 * run, and is skipped without ever being held whole, so that a file of one endless line costs
 * no more memory than this.
 */
export const MAX_LINE_BYTES = 8 * 2 ** 20;

/**
 * Cuts bytes into lines as they arrive, keeping at most `limit` bytes of an unfinished line: a
 * line that grows past it is dropped as it comes and counted in `skipped`.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private skipping = false;
  /** Lines dropped for being longer than the limit (counted when they pass it). */
  skipped = 0;

  constructor(private readonly limit = MAX_LINE_BYTES) {}

  /** The lines `chunk` completes (without their `\n`); `chunk` may be reused afterwards. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    for (let start = 0; ;) {
      const newline = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      if (!this.skipping && this.length + piece.length > this.limit) {
        this.skipping = true;
        this.skipped++;
        this.parts = [];
      } else if (!this.skipping && piece.length > 0) {
        this.parts.push(Buffer.from(piece));
      }
      this.length += piece.length;
      if (newline === -1) return lines;
      // Decoded whole, so that a character split between two chunks comes out right.
      if (!this.skipping) lines.push(Buffer.concat(this.parts).toString('utf8'));
      this.parts = [];
      this.length = 0;
      this.skipping = false;
      start = newline + 1;
    }
  }

  /** The unfinished last line, if any and not over the limit (a run's last line is whole). */
  rest(): string | undefined {
    return this.skipping || this.length === 0
      ? undefined
      : Buffer.concat(this.parts).toString('utf8');
  }
}

const CHUNK_BYTES = 64 * 1024;

/**
 * Bytes [from, to) of `file` (to the end when `to` is absent) through `splitter`, a chunk at
 * a time: memory stays within the chunk and the splitter's limit whatever the file holds.
 */
export function readLines(
  file: string,
  splitter: LineSplitter,
  from = 0,
  to = Number.POSITIVE_INFINITY,
): string[] {
  const fd = openSync(file, 'r');
  const lines: string[] = [];
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (let position = from; position < to;) {
      const n = readSync(fd, buffer, 0, Math.min(CHUNK_BYTES, to - position), position);
      if (n === 0) break;
      for (const line of splitter.push(buffer.subarray(0, n))) lines.push(line);
      position += n;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}
