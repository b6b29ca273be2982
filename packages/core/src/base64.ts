/**
 * Standard base64 (RFC 4648 §4, with padding) of raw bytes, in plain TypeScript so that the
 * checkpoint codec runs in browsers as in Node; it writes exactly what Node's
 * `Buffer.toString('base64')` writes, so checkpoints stay byte-compatible.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
/** Character code → 6-bit value, 255 for characters outside the alphabet. */
const DECODE = new Uint8Array(128).fill(255);
ENCODE.forEach((code, value) => (DECODE[code] = value));

// The output is ASCII, which UTF-8 decodes unchanged.
const ascii = new TextDecoder();

export function bytesToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ENCODE[n >>> 18]!;
    out[o++] = ENCODE[(n >>> 12) & 63]!;
    out[o++] = ENCODE[(n >>> 6) & 63]!;
    out[o++] = ENCODE[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = ENCODE[n >>> 18]!;
    out[o++] = ENCODE[(n >>> 12) & 63]!;
    out[o++] = rest === 2 ? ENCODE[(n >>> 6) & 63]! : PAD;
    out[o] = PAD;
  }
  return ascii.decode(out);
}

/**
 * The bytes of padded standard base64; throws a TypeError on anything else (wrong length,
 * characters outside the alphabet, misplaced padding) rather than guess, as a checkpoint
 * whose data does not decode is corrupt.
 */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 !== 0)
    throw new TypeError(`base64 text of length ${text.length} is not a multiple of 4`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      const last = i + 4 === text.length;
      const value = code === PAD && last && j >= 4 - padding ? 0 : code < 128 ? DECODE[code]! : 255;
      if (value === 255)
        throw new TypeError(`invalid base64 character '${text[i + j]}' at ${i + j}`);
      n = (n << 6) | value;
    }
    bytes[o++] = n >>> 16;
    if (o < bytes.length) bytes[o++] = (n >>> 8) & 255;
    if (o < bytes.length) bytes[o++] = n & 255;
  }
  return bytes;
}
