/**
 * How particles are split into shards: contiguous blocks, in particle order, each a whole
 * number of groups (antithetic pairs stay together), as even as the groups allow. Shard i holds
 * particles [start_i, start_i + counts_i). A state of fewer particles than shards (truncated ES's
 * one shared trajectory) fills the first shards and leaves the others empty.
 */
export function shardCounts(particles: number, shards: number, group = 1): number[] {
  if (!Number.isInteger(particles) || particles < 0)
    throw new RangeError(`particles must be a non-negative integer, got ${particles}`);
  if (!Number.isInteger(shards) || shards < 1)
    throw new RangeError(`shards must be a positive integer, got ${shards}`);
  const unit = particles % group === 0 ? group : 1;
  const units = particles / unit;
  const counts: number[] = [];
  for (let i = 0; i < shards; i++) {
    const first = Math.floor((i * units) / shards);
    const last = Math.floor(((i + 1) * units) / shards);
    counts.push((last - first) * unit);
  }
  return counts;
}

/** The first particle of each shard. */
export function shardStarts(counts: readonly number[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const c of counts) {
    starts.push(at);
    at += c;
  }
  return starts;
}
