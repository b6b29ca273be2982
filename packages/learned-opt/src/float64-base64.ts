import { base64ToBytes } from '@pes/core';

/**
 * Numbers stored as base64 of their float64 bytes, little-endian, as tools/ship-weights.mjs
 * writes the shipped θ: exact to the last bit, in about half the text of shortest decimals, and
 * plain TypeScript (no JSON import) for bundlers and browsers.
 */
export function float64sFromBase64(text: string): number[] {
  const bytes = base64ToBytes(text);
  if (bytes.length % 8 !== 0)
    throw new TypeError(`${bytes.length} bytes of base64 are not whole float64 numbers`);
  const view = new DataView(bytes.buffer);
  return Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(8 * i, true));
}
