import type { CoordinatorLink } from './connection.js';
import {
  decode,
  encode,
  keys,
  PES_VERSION,
  PROTOCOL,
  type ClusterRequest,
  type Envelope,
  type Reply,
} from './protocol.js';

/** A worker's answer with its size in bytes. */
export type Received = Reply & { bytes: number };

/** An envelope posted: its size, its answer once it comes, and a way to stop waiting for it. */
export interface Posted {
  bytes: number;
  answer: Promise<Received>;
  /** Drops the wait (the worker was given up): an answer that comes later is dropped. */
  forget: () => void;
}

/**
 * The coordinator's post through Redis: it puts a shard's requests, in envelopes of its
 * session, into a worker's inbox
 * (`pes:inbox:<worker>`) and pops every answer of its session (`pes:reply:<session>`) on a
 * connection of its own, handing each to the request waiting for it (by shard and sequence
 * number). It counts the bytes both ways. Redis gone for good fails every wait with `lost()`.
 */
export class RedisMailbox {
  /** Bytes of the envelopes sent and of the answers received. */
  readonly bytes = { sent: 0, received: 0 };
  private readonly waiters = new Map<
    string,
    { resolve: (reply: Received) => void; reject: (error: Error) => void }
  >();
  private closed = false;

  constructor(
    /** Its connections: `blocking` pops the answers; `lost()` fails the waits once Redis is gone. */
    private readonly link: Pick<CoordinatorLink, 'redis' | 'blocking' | 'lost'>,
    private readonly session: string,
  ) {}

  /** Starts popping the session's answers, until `close`. */
  listen(): void {
    void this.readReplies();
  }

  /** Puts request `seq` of shard `shard` into `worker`'s inbox, in an envelope of the session. */
  async post(worker: string, shard: number, seq: number, request: ClusterRequest): Promise<Posted> {
    const envelope: Envelope = {
      session: this.session,
      shard,
      seq,
      version: PES_VERSION,
      protocol: PROTOCOL,
      request,
    };
    const bytes = encode(envelope);
    this.bytes.sent += bytes.length;
    const id = `${shard}:${seq}`;
    const answer = new Promise<Received>((resolve, reject) =>
      this.waiters.set(id, { resolve, reject }),
    );
    // Failed by the reply reader when Redis is gone, maybe after this request gave up on it.
    answer.catch(() => undefined);
    // The inbox outlives a crashed coordinator by an hour at most.
    await this.link.redis
      .multi()
      .rpush(keys.inbox(worker), bytes)
      .pexpire(keys.inbox(worker), 3_600_000)
      .exec();
    return { bytes: bytes.length, answer, forget: () => this.waiters.delete(id) };
  }

  /** Stops popping answers and removes the session's reply list. */
  async close(): Promise<void> {
    this.closed = true;
    await this.link.redis.del(keys.reply(this.session)).catch(() => undefined);
  }

  /** Pops every answer of the session and hands it to the request waiting for it. */
  private async readReplies(): Promise<void> {
    while (!this.closed) {
      let popped: [Buffer, Buffer] | null;
      try {
        popped = await this.link.blocking.blpopBuffer(keys.reply(this.session), 0.5);
      } catch {
        if (this.closed) return;
        if (this.link.blocking.status === 'end') return this.failAll();
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (!popped) continue;
      this.bytes.received += popped[1].length;
      const reply = decode<Reply>(popped[1]);
      const id = `${reply.shard}:${reply.seq}`;
      const waiter = this.waiters.get(id);
      // An answer nobody waits for (from a worker given up as lost) is dropped.
      if (!waiter) continue;
      this.waiters.delete(id);
      waiter.resolve({ ...reply, bytes: popped[1].length });
    }
  }

  /** Redis is gone for good (retried for --wait seconds): every pending request fails. */
  private failAll(): void {
    const error = this.link.lost();
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
  }
}
