import { describe, expect, it, vi } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../src/base64.js';
import { decodeState, encodeState } from '../src/index.js';
import { yieldToEventLoop } from '../src/event-loop.js';

/** Bytes of every length up to this cover each padding case many times over. */
const MAX_LENGTH = 64;

function bytesOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 97 + seed * 31 + (i >> 3)) & 255);
}

describe('base64', () => {
  it("writes what Node's Buffer writes, and reads it back, for every padding", () => {
    for (let length = 0; length <= MAX_LENGTH; length++) {
      const bytes = bytesOf(length, length);
      const text = Buffer.from(bytes).toString('base64');
      expect(bytesToBase64(bytes)).toBe(text);
      expect(Array.from(base64ToBytes(text))).toEqual(Array.from(bytes));
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i); // every byte, every character
    expect(bytesToBase64(all)).toBe(Buffer.from(all).toString('base64'));
  });

  it('refuses text that is not padded standard base64', () => {
    for (const bad of ['A', 'AB=', 'A===', 'AB=A', '=AAA', 'AA==AAAA', 'AA-_', 'AAA\n', 'AAé=']) {
      expect(() => base64ToBytes(bad), bad).toThrow(TypeError);
    }
  });

  it('keeps typed arrays bit-exact through the codec, from an offset into a larger buffer', () => {
    const backing = new Float64Array([7, 1.5, Number.NaN, -0, 5e-324, 8]);
    const view = backing.subarray(1, 5);
    const back = decodeState(JSON.parse(JSON.stringify(encodeState({ view })))) as {
      view: Float64Array;
    };
    expect(back.view).toBeInstanceOf(Float64Array);
    expect(Buffer.from(back.view.buffer).equals(Buffer.from(view.slice().buffer))).toBe(true);
  });
});

describe('yieldToEventLoop', () => {
  it('lets what the event loop already holds run first (a macrotask, not a microtask)', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued'));
    await yieldToEventLoop();
    order.push('after');
    expect(order).toEqual(['queued', 'after']);
  });

  it('yields without setImmediate, as in a browser', async () => {
    vi.stubGlobal('setImmediate', undefined);
    try {
      let resolved = false;
      const done = yieldToEventLoop().then(() => (resolved = true));
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect(resolved).toBe(false); // not a microtask
      await done;
      expect(resolved).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
