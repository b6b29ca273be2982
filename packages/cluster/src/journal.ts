import { SHARD_OPERATIONS } from '@pes/core';
import type { ClusterRequest } from './protocol.js';

/**
 * A shard log shorter than this is never worth a snapshot (a lopt-mnist shard of 16 particles
 * snapshots to 29 MB, its θ rows are 225 KB an iteration).
 */
export const MIN_LOG_BYTES = 16 << 20;

/** A takeover replays at most about this much of a shard's compute. */
export const MAX_REPLAY_MS = 120_000;

/** When a shard is snapshotted (the defaults: `MIN_LOG_BYTES`, `MAX_REPLAY_MS`). */
export interface SnapshotPolicy {
  /** A log shorter than this many bytes is never worth a snapshot. */
  minLogBytes?: number;
  /** A log whose replay would take longer than this many milliseconds is. */
  maxReplayMs?: number;
}

/** What a request cost: its bytes on the wire and the milliseconds the shard computed. */
export interface RequestCost {
  bytes: number;
  ms: number;
}

/**
 * What the coordinator knows of one shard: its owner, its requests' sequence number, and how to
 * rebuild it elsewhere. Pure bookkeeping: no Redis, no clock, no I/O.
 *
 * A shard is rebuilt from its `create`, the last shard snapshot (`restore-all` of what
 * `snapshot-all` answered) and the requests that changed its states since, replayed in order.
 * Which requests those are is read from `SHARD_OPERATIONS` (@pes/core): every operation declared
 * `mutates` is journalled, and only those. The log is snapshotted when it has grown larger than
 * the last snapshot (and than `minLogBytes`), or when replaying it would take more than
 * `maxReplayMs` of the shard's compute: the log never costs more than twice the state it stands
 * for, and a takeover stays short.
 */
export class ShardJournal {
  /** The request's sequence number last given (a worker's answer names it). */
  seq = 0;
  private created: ClusterRequest & { op: 'create' };
  /** The shard's states at the last shard snapshot (`snapshot-all`), if one was taken. */
  private base?: [number, unknown][];
  private baseBytes = 0;
  /** The requests that changed the shard's states since `base`, in order. */
  private log: ClusterRequest[] = [];
  private logBytes = 0;
  /** Milliseconds the shard computed for the requests in `log`: what a replay would cost. */
  private logMs = 0;

  constructor(
    /** The worker that holds the shard. */
    public owner: string,
    /** The request that builds the shard's task: the first of every replay. */
    create: ClusterRequest & { op: 'create' },
    private readonly policy: SnapshotPolicy = {},
  ) {
    this.created = create;
  }

  /** The next request's sequence number. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Notes a request the shard has carried out; kept if it changed the shard's states. */
  record(request: ClusterRequest, cost: RequestCost): void {
    if (!SHARD_OPERATIONS[request.op].mutates) return;
    switch (request.op) {
      case 'create':
        // A new task: nothing from before it is replayed.
        this.created = request;
        this.rebase(undefined, 0);
        return;
      case 'restore-all':
        // The shard's states are these: they are its new base.
        this.rebase(request.states, cost.bytes);
        return;
      case 'close':
        // A closed shard holds no states: nothing is left to replay but its task.
        this.rebase(undefined, 0);
        return;
      default:
        this.log.push(request);
        this.logBytes += cost.bytes;
        this.logMs += cost.ms;
    }
  }

  /** The requests that rebuild the shard on another worker, in order. */
  replay(): ClusterRequest[] {
    return [
      this.created,
      ...(this.base ? [{ op: 'restore-all' as const, states: this.base }] : []),
      ...this.log,
    ];
  }

  /** What a takeover says it does: restore a snapshot or not, and replay how many requests. */
  get pending(): { snapshot: boolean; requests: number } {
    return { snapshot: this.base !== undefined, requests: this.log.length };
  }

  /** Whether the log has grown past its last snapshot (and the byte floor), or too slow to replay. */
  needsSnapshot(): boolean {
    const floor = this.policy.minLogBytes ?? MIN_LOG_BYTES;
    const long = this.logBytes > Math.max(this.baseBytes, floor);
    return long || this.logMs > (this.policy.maxReplayMs ?? MAX_REPLAY_MS);
  }

  /** A shard snapshot (`snapshot-all`'s answer, of `bytes` bytes) replaces base and log. */
  snapshotTaken(states: [number, unknown][], bytes: number): void {
    this.rebase(states, bytes);
  }

  private rebase(states: [number, unknown][] | undefined, bytes: number): void {
    this.base = states;
    this.baseBytes = bytes;
    this.log = [];
    this.logBytes = 0;
    this.logMs = 0;
  }
}
