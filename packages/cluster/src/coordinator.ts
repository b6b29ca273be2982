import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CoordinatorLink } from './connection.js';
import { ClusterError } from './errors.js';
import { ShardJournal } from './journal.js';
import { RedisMailbox, type Received } from './mailbox.js';
import { valueOf, type ClusterRequest, type Reply } from './protocol.js';
import { RedisStore } from './redis-store.js';
import { describeRedis } from './redis-url.js';
import { WorkerRoster } from './roster.js';
import { CoordinatorMetrics, shortName, type CoordinatorStats } from './stats.js';

export interface CoordinatorOptions {
  url: string;
  /** The number of shards, one per worker at the start. */
  shards: number;
  /** Seconds: how long a claim lives without renewal (and how long a dead coordinator blocks). */
  lease: number;
  /** Seconds to wait for Redis, for workers to attach, or for a worker to take a lost shard over. */
  wait: number;
  /** A shard log shorter than this many bytes is never worth a snapshot (default 16 MiB). */
  minLogBytes?: number;
  /** What the coordinator has to say while it waits (workers attached, a shard taken over). */
  say: (line: string) => void;
  /** The cluster's shared secret: requests are signed with it, and replies must be. */
  secret?: Uint8Array;
}

/** Times a late request is sent again before its shard is taken over. */
export const MAX_RESENDS = 4;

const LATE = Symbol('late');

const LOST = Symbol('lost');

/** A reply with the sizes of the request (`sent`) and of the answer (`bytes`). */
type Answer = Received & { sent: number };
/** What a request sent to a worker came to: its answer, or LOST with its worker. */
type Sent = Answer | typeof LOST;

/**
 * The coordinator's side of a pool of `pes worker`s attached through Redis, composed of parts
 * with one job each: the `WorkerRoster` claims the workers and notices one gone, the
 * `RedisMailbox` carries each shard's requests to its owner and the answers back, a
 * `ShardJournal` per shard keeps what rebuilds it, and `CoordinatorMetrics` counts.
 *
 * A worker that dies costs time, not correctness: its shards are rebuilt on another worker from
 * their journals (create, the last shard snapshot, the requests since), replayed in order. Every
 * request is a deterministic function of the shard's states and its own contents, so the rebuilt
 * shard holds the same bits as the lost one and the run ends at the same θ. Snapshots and logs
 * are kept in the coordinator's memory: Redis only carries them; a coordinator that dies resumes
 * from the run directory's checkpoint instead.
 */
export class Coordinator {
  readonly session = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private link?: CoordinatorLink;
  private roster!: WorkerRoster;
  private mailbox!: RedisMailbox;
  private readonly shards: ShardJournal[] = [];
  private readonly metrics = new CoordinatorMetrics();
  private closed = false;
  /** θ's length, once the shards have built the task (their answers are checked against it). */
  private dim?: number;
  /** Each operation's slowest answer so far, in milliseconds: what a deadline allows for. */
  private readonly slowest = new Map<string, number>();

  constructor(private readonly options: CoordinatorOptions) {}

  /** Connects, attaches one worker per shard and builds the task on each: their metas. */
  async create(config: unknown): Promise<unknown[]> {
    const { url, wait, say, lease, minLogBytes } = this.options;
    const name = `pes-coordinator-${this.session}`;
    const link = (this.link = await CoordinatorLink.open(url, { waitSeconds: wait, say, name }));
    this.mailbox = new RedisMailbox(link, this.session, {
      secret: this.options.secret,
      dim: () => this.dim,
      say,
    });
    this.mailbox.listen();
    const leaseMs = Math.round(lease * 1000);
    const where = describeRedis(url);
    const store = new RedisStore(link.redis);
    this.roster = new WorkerRoster(store, {
      session: this.session,
      leaseMs,
      wait,
      where,
      say,
      signed: this.options.secret !== undefined,
    });
    this.roster.startRenewing();
    const create = { op: 'create' as const, config };
    for (const owner of await this.roster.attach(this.options.shards))
      this.shards.push(new ShardJournal(owner, create, { minLogBytes }));
    const metas = this.shards.map(async (_, i) => valueOf(await this.call(i, create)));
    return link.failures(Promise.all(metas));
  }

  /** Request i to shard i (none where undefined); every answer, in shard order. */
  async exchange(
    requests: readonly (ClusterRequest | undefined)[],
  ): Promise<(Reply | undefined)[]> {
    const started = performance.now();
    const calls = requests.map((r, i) => (r ? this.call(i, r) : undefined));
    const replies = await this.link!.failures(Promise.all(calls));
    replies.forEach((reply, i) => {
      if (reply?.ok) this.shards[i]!.record(requests[i]!, { bytes: reply.sent, ms: reply.ms });
    });
    this.metrics.exchanged(performance.now() - started, replies);
    await this.link!.failures(this.snapshotLongLogs());
    return replies;
  }

  /**
   * The line progress shows: workers attached, shards taken over, each worker's recent speed, and
   * the requests sent again and messages ignored, if any.
   */
  status(): string {
    const ignored = this.mailbox?.refusals.summary();
    return this.metrics.status(this.owners()) + (ignored ? ` · ${ignored}` : '');
  }

  measured(): CoordinatorStats {
    return this.metrics.measured(this.owners(), this.mailbox?.bytes ?? { sent: 0, received: 0 });
  }

  /** Releases the workers and disconnects (the sharded task has told the shards to close). */
  async close(): Promise<void> {
    if (this.closed || !this.link) return;
    this.closed = true;
    await this.roster.close();
    await this.mailbox.close();
    this.link.disconnect();
  }

  private owners(): string[] {
    return this.shards.map((shard) => shard.owner);
  }

  /** One request to shard i, wherever it lives; a lost shard is rebuilt first. */
  private async call(i: number, request: ClusterRequest): Promise<Answer> {
    for (;;) {
      const reply = await this.send(i, this.shards[i]!.owner, request);
      if (reply !== LOST) return reply;
      await this.takeOver(i);
    }
  }

  /**
   * How long to wait for an answer to `op` before sending it again: two leases (the owner's death
   * is noticed within one), plus four times the slowest answer to `op` so far (or to any
   * operation, for one not measured yet), at most --wait: a worker's claim of its compute time
   * cannot stretch a deadline further. The first `create`, which loads a task and its data,
   * has --wait.
   */
  private deadlineMs(op: ClusterRequest['op']): number {
    const wait = this.options.wait * 1000;
    const measured = this.slowest.get(op) ?? Math.max(0, ...this.slowest.values());
    const allowance = this.slowest.size === 0 ? wait : Math.min(4 * measured, wait);
    return 2 * this.options.lease * 1000 + allowance;
  }

  /** Moves shard i to another worker and replays its journal there (again if that one dies). */
  private async takeOver(i: number): Promise<void> {
    const shard = this.shards[i]!;
    for (;;) {
      const lost = shard.owner;
      this.roster.release(lost);
      shard.owner = await this.roster.replacement(i, this.owners());
      this.metrics.takeovers++;
      const { snapshot, requests } = shard.pending;
      this.options.say(
        `pes: worker ${shortName(lost)} is gone; shard ${i} moves to ${shortName(shard.owner)} (${snapshot ? 'restoring a snapshot, ' : ''}replaying ${requests} requests)`,
      );
      let lostAgain = false;
      for (const request of shard.replay()) {
        const reply = await this.send(i, shard.owner, request);
        if (reply === LOST) {
          lostAgain = true;
          break;
        }
        valueOf(reply);
      }
      if (!lostAgain) return;
    }
  }

  /**
   * Sends one request to `owner`; its answer, or LOST once the owner's alive key is gone, once it
   * answers that it no longer holds the shard, or once it has not answered after `MAX_RESENDS`
   * deadlines. A request past its deadline is sent again as it was (the same sequence number:
   * the worker answers it from its record if it has carried it out already), so a request or an
   * answer lost in Redis costs a deadline, not the run. Fails at once when a claim of ours was
   * taken by another session: nothing more is sent.
   */
  private async send(i: number, owner: string, request: ClusterRequest): Promise<Sent> {
    if (this.roster.lostClaim) throw this.roster.lostClaim;
    const posted = await this.mailbox.post(owner, i, this.shards[i]!.nextSeq(), request);
    // Until the answer comes, look every quarter lease whether the owner is still alive.
    const watch = this.roster.watch(owner);
    const claim = this.roster.claimLost();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      let deadline = this.deadlineMs(request.op);
      for (let resent = 0; ; resent++) {
        const late = new Promise<typeof LATE>((resolve) => {
          timer = setTimeout(() => resolve(LATE), deadline);
        });
        const reply = await Promise.race([
          posted.answer,
          watch.gone.then((): typeof LOST => LOST),
          claim.lost,
          late,
        ]);
        clearTimeout(timer);
        if (reply === LATE) {
          if (resent === MAX_RESENDS) {
            this.options.say(
              `pes: worker ${shortName(owner)} has not answered shard ${i}'s ${request.op} after ${MAX_RESENDS + 1} deadlines; giving it up`,
            );
            posted.forget();
            return LOST;
          }
          this.metrics.resent++;
          await posted.resend();
          deadline *= 2;
          continue;
        }
        if (reply === LOST || reply.error?.name === 'ShardLost') {
          posted.forget();
          return LOST;
        }
        // A worker at its most shards, or short of memory for another: the user's to fix.
        if (reply.error?.name === 'WorkerFull')
          throw new ClusterError(`worker ${shortName(owner)}: ${reply.error.message}`);
        this.measure(request, reply);
        return { ...reply, sent: posted.bytes };
      }
    } finally {
      clearTimeout(timer);
      watch.stop();
      claim.stop();
    }
  }

  /** Notes an answer's compute time (for deadlines) and θ's length (from a `create`). */
  private measure(request: ClusterRequest, reply: Received): void {
    this.slowest.set(request.op, Math.max(this.slowest.get(request.op) ?? 0, reply.ms));
    if (request.op === 'create' && reply.ok) this.dim ??= (reply.value as { dim: number }).dim;
  }

  /** Snapshots every shard whose journal finds its log too long to replay. */
  private async snapshotLongLogs(): Promise<void> {
    const due = this.shards.flatMap((shard, i) => (shard.needsSnapshot() ? [i] : []));
    await Promise.all(
      due.map(async (i) => {
        const reply = await this.call(i, { op: 'snapshot-all' });
        this.shards[i]!.snapshotTaken(valueOf(reply) as [number, unknown][], reply.bytes);
        this.metrics.snapshotTaken(reply.bytes);
      }),
    );
  }
}
