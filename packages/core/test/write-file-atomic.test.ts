import type * as NodeFs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The file system under the atomic writer, with faults injected into `writeSync`: a device that
 * takes only part of a write and then reports ENOSPC, or takes part and then nothing at all.
 */
const faults = vi.hoisted(() => ({
  mode: 'none' as 'none' | 'parts' | 'enospc' | 'short',
  calls: 0,
}));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof NodeFs>();
  return {
    ...real,
    writeSync: (fd: number, buffer: Uint8Array, offset?: number, length?: number) => {
      if (faults.mode === 'none') return real.writeSync(fd, buffer, offset, length);
      faults.calls++;
      // The device takes at most 4 KiB a call: always ('parts'), or once and then no more.
      if (faults.mode === 'parts' || faults.calls === 1)
        return real.writeSync(fd, buffer, offset, Math.min(length ?? 0, 4096));
      if (faults.mode === 'short') return 0;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  };
});

const { removeStrayTemporaries, writeFileAtomic, WriteError } =
  await import('../src/node/index.js');

afterEach(() => {
  faults.mode = 'none';
  faults.calls = 0;
});

describe('atomic writes on a failing disk', () => {
  it.each(['enospc', 'short'] as const)(
    'a %s write leaves the previous file whole, no temporary file, and says so',
    (mode) => {
      const dir = mkdtempSync(join(tmpdir(), 'pes-write-'));
      const file = join(dir, 'checkpoint.json');
      writeFileAtomic(file, 'the last good checkpoint\n');
      faults.mode = mode;
      const big = 'x'.repeat(100_000);
      expect(() => writeFileAtomic(file, big)).toThrow(WriteError);
      faults.calls = 0;
      expect(() => writeFileAtomic(file, big)).toThrow(
        /cannot write .*checkpoint\.json \(ENOSPC, .*\); the previous checkpoint\.json is unchanged/,
      );
      expect(readFileSync(file, 'utf8')).toBe('the last good checkpoint\n');
      expect(readdirSync(dir)).toEqual(['checkpoint.json']);
    },
  );

  it('every byte is written when the device takes a write in several parts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pes-write-'));
    const file = join(dir, 'big.json');
    faults.mode = 'parts';
    writeFileAtomic(file, 'y'.repeat(200_000));
    // 49 calls of at most 4 KiB: one call would have left 195,904 bytes out.
    expect(faults.calls).toBe(49);
    expect(readFileSync(file, 'utf8')).toBe('y'.repeat(200_000));
  });

  it('stray temporary files of dead processes are removed, a live one kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pes-write-'));
    // Above Linux's largest process id (2^22): no process can have it.
    const dead = `checkpoint.json.tmp-${2 ** 22 + 17}`;
    const live = `checkpoint.json.tmp-${process.pid}`;
    for (const name of [dead, live, 'config.json']) writeFileSync(join(dir, name), '{}');
    expect(removeStrayTemporaries(dir)).toEqual([dead]);
    expect(readdirSync(dir).sort()).toEqual(
      ['checkpoint.json.tmp-' + process.pid, 'config.json'].sort(),
    );
  });
});
