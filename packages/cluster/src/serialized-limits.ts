/**
 * Limits checked on the bytes of a message read from Redis before `v8.deserialize` sees them:
 * anyone who can write to the database can put bytes there, and deserialising is where a hostile
 * value does its harm (a 20,000-deep object exhausts the stack; a huge one the memory).
 *
 * The check walks the serialised value token by token (the V8 wire format Node's `serialize`
 * writes: its header, then tags with their lengths), counting the nesting depth and accepting only
 * the kinds of value our messages are made of: plain objects and arrays, Maps and Sets, numbers,
 * strings, booleans, null and undefined, BigInts, and typed arrays (Node's host objects). Any other
 * tag (errors, regular expressions, shared or transferred buffers, wasm) refuses the message. The
 * walk reads every byte once and allocates nothing; `v8.deserialize` then does the real parsing.
 */

export interface SerializedLimits {
  /** Bytes of the whole message. */
  maxBytes: number;
  /** Objects, arrays, Maps and Sets nested in each other. */
  maxDepth: number;
}

/**
 * Our messages' limits: the largest is a shard snapshot (29 MB for a lopt-mnist shard of 16
 * particles), far below 512 MiB, Redis's own limit on a value; our deepest value (a task's inner
 * state in a snapshot) is under 10 levels.
 */
export const MESSAGE_LIMITS: SerializedLimits = { maxBytes: 512 << 20, maxDepth: 64 };

const C = (s: string) => s.charCodeAt(0);

/** Tags that open a container, and those that close one. */
const OPEN = new Set([C('o'), C('A'), C('a'), C(';'), C("'")]);
const CLOSE = new Set([C('{'), C('$'), C('@'), C(':'), C(',')]);

/**
 * Why `bytes` may not be deserialised (too large, too deep, or not a value of ours), or undefined
 * when they may.
 */
export function serializedProblem(
  bytes: Uint8Array,
  limits: SerializedLimits = MESSAGE_LIMITS,
): string | undefined {
  if (bytes.length > limits.maxBytes)
    return `${bytes.length} bytes, over the limit of ${limits.maxBytes}`;
  let at = 0;
  const varint = (): number => {
    let value = 0;
    // Exact in doubles: at most 35 bits (a length over 2^32 is refused as too long).
    for (let scale = 1; scale < 0x800000000; scale *= 128) {
      if (at >= bytes.length) throw new Error('truncated');
      const b = bytes[at++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
    }
    throw new Error('a length too long');
  };
  const skip = (n: number) => {
    if (n > bytes.length - at) throw new Error('truncated');
    at += n;
  };
  try {
    if (bytes[at++] !== 0xff) return 'not a serialised value';
    varint(); // the format's version
    let depth = 0;
    let values = 0;
    while (at < bytes.length) {
      const tag = bytes[at++]!;
      if (OPEN.has(tag)) {
        if (++depth > limits.maxDepth) return `nested deeper than ${limits.maxDepth} levels`;
        // A dense or sparse array's length; an object, a Map or a Set has none.
        if (tag === C('A') || tag === C('a')) varint();
        continue;
      }
      if (CLOSE.has(tag)) {
        if (--depth < 0) return 'a container closed that was never opened';
        varint();
        if (tag === C('$') || tag === C('@')) varint();
        continue;
      }
      values++;
      switch (String.fromCharCode(tag)) {
        case '\0': // padding before a two-byte string
        case '_': // undefined
        case '0': // null
        case 'T':
        case 'F':
        case '-': // an array's hole
          break;
        case 'I':
        case 'U':
        case '^': // a reference to an object seen before
          varint();
          break;
        case 'N':
        case 'D':
          skip(8);
          break;
        case 'Z':
          // A BigInt: a bit field whose bits above the sign are its digits' byte length.
          skip(Math.floor(varint() / 2));
          break;
        case '"':
        case 'c':
        case 'S':
        case 'B': // an ArrayBuffer: its bytes
          skip(varint());
          break;
        case '\\': {
          // Node's host object: a typed array (its type's index, its byte length, its bytes).
          const type = varint();
          if (type > 12) return `an unknown kind of typed array (${type})`;
          skip(varint());
          break;
        }
        default:
          return `a value of an unexpected kind (tag 0x${tag.toString(16)} at byte ${at - 1})`;
      }
    }
    if (depth !== 0) return 'truncated';
    if (values === 0) return 'empty';
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
