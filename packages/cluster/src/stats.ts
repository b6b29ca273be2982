/** What the coordinator has measured, for progress and `pes bench scaling --redis`. */
export interface CoordinatorStats {
  exchanges: number;
  bytesSent: number;
  bytesReceived: number;
  /** Milliseconds of exchanges not spent computing in the slowest shard: Redis and the network. */
  overheadMs: number;
  takeovers: number;
  /** Requests sent again because their answer was late (lost, or popped by someone else). */
  resent: number;
  /** Shard snapshots taken (to bound a takeover's replay), and their bytes. */
  snapshots: number;
  snapshotBytes: number;
  workers: { id: string; shards: number; ms: number }[];
}

/** The coordinator's counts, and each worker's recent speed (smoothed milliseconds a request). */
export class CoordinatorMetrics {
  exchanges = 0;
  overheadMs = 0;
  takeovers = 0;
  resent = 0;
  snapshots = 0;
  snapshotBytes = 0;
  private readonly speeds = new Map<string, number>();

  /**
   * An exchange took `ms` and got `replies` (none where no request went): each worker's speed,
   * and the time not spent computing in the slowest shard.
   */
  exchanged(ms: number, replies: readonly ({ worker: string; ms: number } | undefined)[]): void {
    let slowest = 0;
    for (const reply of replies) {
      if (!reply) continue;
      slowest = Math.max(slowest, reply.ms);
      const previous = this.speeds.get(reply.worker);
      this.speeds.set(
        reply.worker,
        previous === undefined ? reply.ms : 0.8 * previous + 0.2 * reply.ms,
      );
    }
    this.exchanges++;
    this.overheadMs += Math.max(0, ms - slowest);
  }

  snapshotTaken(bytes: number): void {
    this.snapshots++;
    this.snapshotBytes += bytes;
  }

  /** The line progress shows: workers attached, shards taken over, each worker's recent speed. */
  status(owners: readonly string[]): string {
    const shards = countOwners(owners);
    const speeds = [...shards]
      .map(
        ([id, n]) =>
          `${shortName(id)} ${Math.round(this.speeds.get(id) ?? 0)} ms${n > 1 ? ` ×${n}` : ''}`,
      )
      .join(', ');
    const takeovers = this.takeovers > 0 ? ` · ${this.takeovers} taken over` : '';
    const resent = this.resent > 0 ? ` · ${this.resent} sent again` : '';
    return `${shards.size} workers, ${owners.length} shards${takeovers}${resent} · ${speeds}`;
  }

  /** Everything measured, given every shard's owner and the bytes moved each way. */
  measured(owners: readonly string[], bytes: { sent: number; received: number }): CoordinatorStats {
    return {
      exchanges: this.exchanges,
      bytesSent: bytes.sent,
      bytesReceived: bytes.received,
      overheadMs: this.overheadMs,
      takeovers: this.takeovers,
      resent: this.resent,
      snapshots: this.snapshots,
      snapshotBytes: this.snapshotBytes,
      workers: [...countOwners(owners)].map(([id, shards]) => ({
        id,
        shards,
        ms: this.speeds.get(id) ?? 0,
      })),
    };
  }
}

/** How many shards each worker owns, in the order of their first shard. */
function countOwners(owners: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return counts;
}

/** `host-pid-xxxx` as `host:pid`. */
export function shortName(id: string): string {
  const parts = id.split('-');
  return parts.length >= 3 ? `${parts.slice(0, -2).join('-')}:${parts.at(-2)}` : id;
}
