/**
 * Task-state snapshots as the shards of a run hold them, joined and split without knowing the
 * task. The convention every task's `snapshot` follows (and the sharding tests check): a
 * snapshot is a tree of records whose leaves are per-particle data in particle order — a typed
 * array of particles × k numbers, or a plain array with one entry per particle — or values
 * every particle shares (numbers, strings), which must agree between shards. Joining the shards'
 * snapshots in shard order then gives exactly the snapshot of the unsharded state, so a
 * checkpoint does not depend on how many workers wrote it.
 */

type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int8Array
  | Int16Array;

function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isTypedArray(x);
}

/** The snapshot of all particles from the snapshots of consecutive shards (`counts` particles each). */
export function joinSnapshots(parts: readonly unknown[], counts: readonly number[]): unknown {
  const used = parts.filter((_, i) => counts[i]! > 0);
  if (used.length === 1) return used[0];
  return join(
    used,
    counts.filter((c) => c > 0),
    '',
  );
}

function join(parts: readonly unknown[], counts: readonly number[], path: string): unknown {
  const first = parts[0];
  if (isTypedArray(first)) {
    const total = parts.reduce<number>((n, p) => n + (p as TypedArray).length, 0);
    const Ctor = first.constructor as new (n: number) => TypedArray;
    const out = new Ctor(total);
    let at = 0;
    for (const p of parts) {
      if (!(p instanceof Ctor)) throw new TypeError(`snapshot ${path}: shards disagree in type`);
      out.set(p as never, at);
      at += (p as TypedArray).length;
    }
    return out;
  }
  if (Array.isArray(first)) return parts.flatMap((p) => p as unknown[]);
  if (isRecord(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = join(
        parts.map((p) => (p as Record<string, unknown>)[key]),
        counts,
        `${path}.${key}`,
      );
    }
    return out;
  }
  if (parts.some((p) => p !== first))
    throw new TypeError(`snapshot ${path}: a shared value differs between shards`);
  return first;
}

/** The snapshot of particles [start, start + count) of a snapshot of `particles` particles. */
export function sliceSnapshot(
  snapshot: unknown,
  particles: number,
  start: number,
  count: number,
): unknown {
  return slice(snapshot, particles, start, count, '');
}

function slice(x: unknown, n: number, start: number, count: number, path: string): unknown {
  if (isTypedArray(x)) {
    if (x.length % n !== 0)
      throw new TypeError(
        `snapshot ${path}: ${x.length} numbers is not a multiple of ${n} particles`,
      );
    const k = x.length / n;
    return x.slice(start * k, (start + count) * k);
  }
  if (Array.isArray(x)) {
    if (x.length !== n)
      throw new TypeError(`snapshot ${path}: ${x.length} entries for ${n} particles`);
    return x.slice(start, start + count);
  }
  if (isRecord(x)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(x))
      out[key] = slice(value, n, start, count, `${path}.${key}`);
    return out;
  }
  return x;
}
