import type { CoordinatorLink } from './connection.js';
import { resultProblem } from './messages.js';
import {
  keys,
  PES_VERSION,
  PROTOCOL,
  type ClusterRequest,
  type Envelope,
  type Reply,
} from './protocol.js';
import { encodeMessage, readReply } from './wire.js';
import { Refusals } from './refusals.js';

/** A worker's answer with its size in bytes. */
export type Received = Reply & { bytes: number };

/** An envelope posted: its size, its answer once it comes, and a way to stop waiting for it. */
export interface Posted {
  bytes: number;
  answer: Promise<Received>;
  /** Puts the same envelope into the same inbox again (its answer is late: lost, or popped). */
  resend: () => Promise<void>;
  /** Drops the wait (the worker was given up): an answer that comes later is dropped. */
  forget: () => void;
}

/** What a reply must match: the request it answers and the worker it was sent to. */
interface Waiter {
  worker: string;
  request: ClusterRequest;
  resolve: (reply: Received) => void;
  reject: (error: Error) => void;
}

/**
 * The coordinator's post through Redis: it puts a shard's requests, in envelopes of its
 * session, into a worker's inbox (`pes:inbox:<worker>`) and pops every answer of its session
 * (`pes:reply:<session>`) on a connection of its own, handing each to the request waiting for
 * it (by shard and sequence number). It counts the bytes both ways. Redis gone for good fails
 * every wait with `lost()`.
 *
 * Every answer is checked before it is handed on: its signature (with a secret), its size, depth
 * and schema, its session, that a request of that shard and number was sent, that it comes from
 * the worker the request went to, and that its value has exactly the shape the request asks
 * for. An answer that fails is counted in `refusals` and dropped: the request keeps waiting (and
 * is sent again when late), so a forged or broken answer costs time, never a wrong θ.
 */
export class RedisMailbox {
  /** Bytes of the envelopes sent and of the answers received. */
  readonly bytes = { sent: 0, received: 0 };
  readonly refusals: Refusals;
  private readonly waiters = new Map<string, Waiter>();
  /** Each shard's highest sequence number posted: a reply beyond it answers nothing we sent. */
  private readonly posted = new Map<number, number>();
  private closed = false;

  constructor(
    /** Its connections: `blocking` pops the answers; `lost()` fails the waits once Redis is gone. */
    private readonly link: Pick<CoordinatorLink, 'redis' | 'blocking' | 'lost'>,
    private readonly session: string,
    private readonly options: {
      secret?: Uint8Array;
      /** θ's length once the task is built (unroll answers are checked against it). */
      dim?: () => number | undefined;
      say?: (line: string) => void;
    } = {},
  ) {
    this.refusals = new Refusals(options.say);
  }

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
    const bytes = encodeMessage(envelope, 'request', this.options.secret);
    this.posted.set(shard, Math.max(seq, this.posted.get(shard) ?? 0));
    const id = `${shard}:${seq}`;
    const answer = new Promise<Received>((resolve, reject) =>
      this.waiters.set(id, { worker, request, resolve, reject }),
    );
    // Failed by the reply reader when Redis is gone, maybe after this request gave up on it.
    answer.catch(() => undefined);
    const send = async () => {
      this.bytes.sent += bytes.length;
      // The inbox outlives a crashed coordinator by an hour at most.
      await this.link.redis
        .multi()
        .rpush(keys.inbox(worker), bytes)
        .pexpire(keys.inbox(worker), 3_600_000)
        .exec();
    };
    await send();
    return { bytes: bytes.length, answer, resend: send, forget: () => this.waiters.delete(id) };
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
      const problem = this.deliver(popped[1]);
      if (problem) this.refusals.refuse(keys.reply(this.session), problem);
    }
  }

  /** Hands an answer to its waiter; why it was refused, if it was. */
  private deliver(bytes: Buffer): string | undefined {
    const read = readReply(bytes, this.options.secret);
    if ('refused' in read) return read.refused;
    const reply = read.value;
    if (reply.session !== this.session) return `an answer for session ${reply.session}`;
    if (reply.seq > (this.posted.get(reply.shard) ?? 0))
      return `an answer to shard ${reply.shard} request ${reply.seq}, never sent`;
    const id = `${reply.shard}:${reply.seq}`;
    const waiter = this.waiters.get(id);
    // An answer nobody waits for any more (a second answer to a request sent again, or one from
    // a worker given up as lost) is dropped: it was asked for, so it is not counted.
    if (!waiter) return undefined;
    if (reply.worker !== waiter.worker)
      return `an answer to shard ${reply.shard} from ${reply.worker}, not the worker asked`;
    if (reply.ok) {
      const wrong = resultProblem(waiter.request, reply.value, this.options.dim?.());
      if (wrong)
        return `a malformed answer to shard ${reply.shard} ${waiter.request.op} (${wrong})`;
    }
    this.waiters.delete(id);
    waiter.resolve({ ...reply, bytes: bytes.length });
    return undefined;
  }

  /** Redis is gone for good (retried for --wait seconds): every pending request fails. */
  private failAll(): void {
    const error = this.link.lost();
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
  }
}
