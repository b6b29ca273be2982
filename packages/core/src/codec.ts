/**
 * A lossless JSON encoding for checkpoints: typed arrays travel as base64 of their bytes and
 * non-finite numbers as tags, so that a decoded state is bit-identical to the encoded one
 * (JSON alone would turn NaN into null and lose the array types).
 */

import { base64ToBytes, bytesToBase64 } from './base64.js';

const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;

function typedName(value: ArrayBufferView): TypedName | undefined {
  for (const name of Object.keys(TYPED) as TypedName[]) {
    if (value instanceof TYPED[name]) return name;
  }
  return undefined;
}

export function encodeState(value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : { $number: String(value) };
  }
  if (value === null || typeof value !== 'object') {
    if (
      value === undefined ||
      typeof value === 'function' ||
      typeof value === 'symbol' ||
      typeof value === 'bigint'
    ) {
      throw new TypeError(`cannot encode a ${typeof value} in a checkpoint`);
    }
    return value;
  }
  if (ArrayBuffer.isView(value)) {
    const name = typedName(value);
    if (!name) throw new TypeError(`cannot encode a ${value.constructor.name} in a checkpoint`);
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { $typed: name, base64: bytesToBase64(bytes) };
  }
  if (Array.isArray(value)) return value.map(encodeState);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = encodeState(v);
  }
  return out;
}

export function decodeState(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeState);
  const record = value as Record<string, unknown>;
  if (typeof record.$number === 'string') return Number(record.$number);
  if (typeof record.$typed === 'string' && typeof record.base64 === 'string') {
    const ctor = TYPED[record.$typed as TypedName];
    if (!ctor) throw new TypeError(`unknown array type ${record.$typed}`);
    const bytes = base64ToBytes(record.base64);
    if (bytes.byteLength % ctor.BYTES_PER_ELEMENT !== 0) {
      throw new TypeError(`${record.$typed} data is ${bytes.byteLength} bytes, not whole elements`);
    }
    // base64ToBytes returns a fresh buffer of exactly these bytes, aligned at offset 0.
    return new ctor(bytes.buffer);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = decodeState(v);
  return out;
}
