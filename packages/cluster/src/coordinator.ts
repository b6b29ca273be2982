import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { connectRedis } from './connection.js';
import { ClusterError } from './errors.js';
import { describeRedis } from './redis-url.js';
import {
  CLAIM_SCRIPT,
  decode,
  encode,
  keys,
  PES_VERSION,
  PROTOCOL,
  RENEW_SCRIPT,
  type Envelope,
  type Reply,
  type WorkerRecord,
} from './protocol.js';

export interface CoordinatorOptions {
  url: string;
  /** The number of shards, one per worker at the start. */
  shards: number;
  /** Seconds: how long a claim lives without renewal (and how long a dead coordinator blocks). */
  lease: number;
  /** Seconds to wait for Redis, for workers to attach, or for a worker to take a lost shard over. */
  wait: number;
  /** A shard log shorter than this many bytes is never worth a snapshot (default 1 MiB). */
  minLogBytes?: number;
  /** What the coordinator has to say while it waits (workers attached, a shard taken over). */
  say: (line: string) => void;
}

type Request = Envelope['request'];

/** What the coordinator knows of one shard: its owner and how to rebuild it elsewhere. */
interface ShardSlot {
  owner: string;
  seq: number;
  /** The shard's states at the last shard snapshot (`snapshot-all`), if one was taken. */
  base?: [number, unknown][];
  baseBytes: number;
  /** The requests that changed the shard's states since `base`, in order: replayed on takeover. */
  log: Request[];
  logBytes: number;
  /** Milliseconds the shard computed for the requests in `log`: what a replay would cost. */
  logMs: number;
}

/** The requests that change a shard's states; the others only read them. */
const MUTATING = new Set(['init', 'unroll', 'reset', 'gather', 'restore', 'dispose']);

/**
 * A shard log shorter than this is never worth a snapshot (a lopt-mnist shard of 16 particles
 * snapshots to 29 MB, its θ rows are 225 KB an iteration).
 */
const MIN_LOG_BYTES = 16 << 20;

/** A takeover replays at most about this much of a shard's compute. */
const MAX_REPLAY_MS = 120_000;

/** What the coordinator has measured, for progress and `pes bench scaling --redis`. */
export interface CoordinatorStats {
  exchanges: number;
  bytesSent: number;
  bytesReceived: number;
  /** Milliseconds of exchanges not spent computing in the slowest shard: Redis and the network. */
  overheadMs: number;
  takeovers: number;
  /** Shard snapshots taken (to bound a takeover's replay), and their bytes. */
  snapshots: number;
  snapshotBytes: number;
  workers: { id: string; shards: number; ms: number }[];
}

const LOST = Symbol('lost');

/** A reply with the sizes of the request (`sent`) and of the answer (`bytes`). */
type Answer = Reply & { bytes: number; sent: number };

/**
 * The coordinator's side of a pool of `pes worker`s attached through Redis: it claims the
 * workers, sends each shard's requests to its owner and routes the answers back.
 *
 * A worker that dies (its alive key expires, one lease after its last heartbeat) costs time, not
 * correctness: its shards are rebuilt on another worker from the last shard snapshot and the
 * requests made since, replayed in order. Every request is a deterministic function of the
 * shard's states and its own contents, so the rebuilt shard holds the same bits as the lost one
 * and the run ends at the same θ. A shard is snapshotted when its log of requests has grown
 * larger than its last snapshot (and than 16 MiB), or when replaying it would take more than
 * 2 minutes of compute: the log never costs more than twice the state it stands for, and a takeover
 * stays short. Snapshots and logs are kept in the coordinator's memory: Redis only carries them;
 * a coordinator that dies resumes from the run directory's checkpoint instead.
 */
export class Coordinator {
  readonly session = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private redis!: Redis;
  private blocking!: Redis;
  private readonly slots: ShardSlot[] = [];
  private config: unknown;
  private readonly waiters = new Map<
    string,
    { resolve: (reply: Reply & { bytes: number }) => void; reject: (error: Error) => void }
  >();
  private readonly claimed = new Set<string>();
  private renewal?: NodeJS.Timeout;
  private closed = false;
  /** Set once Redis is gone for good: every later request fails with it at once. */
  private lostRedis?: ClusterError;
  private readonly speeds = new Map<string, number>();
  private readonly stats: Omit<CoordinatorStats, 'workers'> = {
    exchanges: 0,
    bytesSent: 0,
    bytesReceived: 0,
    overheadMs: 0,
    takeovers: 0,
    snapshots: 0,
    snapshotBytes: 0,
  };

  constructor(private readonly options: CoordinatorOptions) {}

  private get leaseMs(): number {
    return Math.round(this.options.lease * 1000);
  }

  /** Connects, attaches one worker per shard and builds the task on each: their metas. */
  async create(config: unknown): Promise<unknown[]> {
    this.config = config;
    this.redis = await connectRedis(this.options.url, {
      waitSeconds: this.options.wait,
      say: this.options.say,
      name: `pes-coordinator-${this.session}`,
    });
    this.blocking = this.redis.duplicate();
    // Its errors are the connection's, reported where a command fails; ioredis prints them otherwise.
    this.blocking.on('error', () => undefined);
    void this.readReplies();
    this.renewal = setInterval(() => void this.renewClaims(), this.leaseMs / 3);
    const owners = await this.attach(this.options.shards);
    for (const owner of owners)
      this.slots.push({ owner, seq: 0, baseBytes: 0, log: [], logBytes: 0, logMs: 0 });
    return Promise.all(
      this.slots.map(async (_, i) => this.value(await this.call(i, { op: 'create', config }))),
    ).catch((error: unknown) => {
      throw this.redisFailure(error);
    });
  }

  /** Request i to shard i (none where undefined); every answer, in shard order. */
  async exchange(requests: readonly (Request | undefined)[]): Promise<(Reply | undefined)[]> {
    const started = performance.now();
    const replies = await Promise.all(
      requests.map((r, i) => (r ? this.call(i, r) : undefined)),
    ).catch((error: unknown) => {
      throw this.redisFailure(error);
    });
    let slowest = 0;
    replies.forEach((reply, i) => {
      if (!reply) return;
      slowest = Math.max(slowest, reply.ms);
      const previous = this.speeds.get(reply.worker);
      this.speeds.set(
        reply.worker,
        previous === undefined ? reply.ms : 0.8 * previous + 0.2 * reply.ms,
      );
      const request = requests[i]!;
      if (reply.ok && MUTATING.has(request.op)) {
        this.slots[i]!.log.push(request);
        this.slots[i]!.logBytes += reply.sent;
        this.slots[i]!.logMs += reply.ms;
      }
    });
    this.stats.exchanges++;
    this.stats.overheadMs += Math.max(0, performance.now() - started - slowest);
    await this.snapshotLongLogs().catch((error: unknown) => {
      throw this.redisFailure(error);
    });
    return replies;
  }

  /** The line progress shows: workers attached, shards taken over, each worker's recent speed. */
  status(): string {
    const owners = new Map<string, number>();
    for (const slot of this.slots) owners.set(slot.owner, (owners.get(slot.owner) ?? 0) + 1);
    const speeds = [...owners]
      .map(
        ([id, n]) =>
          `${shortName(id)} ${Math.round(this.speeds.get(id) ?? 0)} ms${n > 1 ? ` ×${n}` : ''}`,
      )
      .join(', ');
    const takeovers = this.stats.takeovers > 0 ? ` · ${this.stats.takeovers} taken over` : '';
    return `${owners.size} workers, ${this.slots.length} shards${takeovers} · ${speeds}`;
  }

  measured(): CoordinatorStats {
    const workers = new Map<string, number>();
    for (const slot of this.slots) workers.set(slot.owner, (workers.get(slot.owner) ?? 0) + 1);
    return {
      ...this.stats,
      workers: [...workers].map(([id, shards]) => ({ id, shards, ms: this.speeds.get(id) ?? 0 })),
    };
  }

  /** Releases the workers and disconnects (the sharded task has told the shards to close). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.renewal);
    if (!this.redis) return;
    await Promise.all(
      [...this.claimed].map((w) => this.redis.del(keys.claim(w)).catch(() => undefined)),
    );
    await this.redis.del(keys.reply(this.session)).catch(() => undefined);
    this.blocking.disconnect();
    this.redis.disconnect();
  }

  // --- workers -------------------------------------------------------------------------------

  /** Every worker alive now, with its record. */
  private async aliveWorkers(): Promise<WorkerRecord[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(
        cursor,
        'MATCH',
        keys.alivePattern,
        'COUNT',
        1000,
      );
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    if (found.length === 0) return [];
    const records = await this.redis.mget(found);
    return records.flatMap((r) => (r ? [JSON.parse(r) as WorkerRecord] : []));
  }

  /** Claims one free worker of our version, if there is one. */
  private async claimOne(refused: Map<string, string>): Promise<string | undefined> {
    for (const worker of await this.aliveWorkers()) {
      if (this.claimed.has(worker.id)) continue;
      if (worker.version !== PES_VERSION || worker.protocol !== PROTOCOL) {
        refused.set(worker.id, `${worker.host}:${worker.pid} runs @pes ${worker.version}`);
        continue;
      }
      // Plain EVAL: the scripts are tiny, and ioredis's cached-script commands leave a rejection
      // unhandled when the connection closes.
      const won = await this.redis.eval(
        CLAIM_SCRIPT,
        2,
        keys.alive(worker.id),
        keys.claim(worker.id),
        this.session,
        this.leaseMs,
      );
      if (won === 1) {
        this.claimed.add(worker.id);
        return worker.id;
      }
    }
    return undefined;
  }

  /** Waits (saying how many so far) until `count` workers are claimed. */
  private async attach(count: number): Promise<string[]> {
    const owners: string[] = [];
    const refused = new Map<string, string>();
    const deadline = Date.now() + this.options.wait * 1000;
    let said = -1;
    while (owners.length < count) {
      const worker = await this.claimOne(refused);
      if (worker) {
        owners.push(worker);
        continue;
      }
      if (owners.length !== said) {
        said = owners.length;
        this.options.say(
          `pes: waiting for workers at ${describeRedis(this.options.url)}: ${owners.length} of ${count} attached${ignored(refused)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new ClusterError(
          `${owners.length} of ${count} workers attached to ${describeRedis(this.options.url)} after ${this.options.wait} s${ignored(refused)}; start more with: npx pes worker --redis URL`,
        );
      }
      await sleep(250);
    }
    this.options.say(`pes: ${count} workers attached at ${describeRedis(this.options.url)}`);
    return owners;
  }

  private async renewClaims(): Promise<void> {
    for (const worker of this.claimed) {
      await this.redis
        .eval(RENEW_SCRIPT, 1, keys.claim(worker), this.session, this.leaseMs)
        .catch(() => undefined);
    }
  }

  /** A worker for a lost shard: a free one, else the live worker of ours with fewest shards. */
  private async replacement(shard: number): Promise<string> {
    const deadline = Date.now() + this.options.wait * 1000;
    let said = false;
    for (;;) {
      const free = await this.claimOne(new Map());
      if (free) return free;
      const alive = new Set((await this.aliveWorkers()).map((w) => w.id));
      const load = new Map<string, number>();
      for (const w of this.claimed) if (alive.has(w)) load.set(w, 0);
      for (const slot of this.slots)
        if (load.has(slot.owner)) load.set(slot.owner, load.get(slot.owner)! + 1);
      const least = [...load].sort((a, b) => a[1] - b[1])[0];
      if (least) return least[0];
      if (!said) this.options.say(`pes: shard ${shard} lost its worker; waiting for another`);
      said = true;
      if (Date.now() > deadline)
        throw new ClusterError(
          `no worker left at ${describeRedis(this.options.url)} to take shard ${shard} over after ${this.options.wait} s; the last checkpoint stands`,
        );
      await sleep(250);
    }
  }

  // --- requests --------------------------------------------------------------------------------

  /** One request to shard i, wherever it lives; a lost shard is rebuilt first. */
  private async call(i: number, request: Request): Promise<Answer> {
    for (;;) {
      const reply = await this.send(i, this.slots[i]!.owner, request);
      if (reply !== LOST) return reply;
      await this.takeOver(i);
    }
  }

  /** Moves shard i to another worker: create, restore the last snapshot, replay the log. */
  private async takeOver(i: number): Promise<void> {
    const slot = this.slots[i]!;
    for (;;) {
      const lost = slot.owner;
      this.claimed.delete(lost);
      slot.owner = await this.replacement(i);
      this.stats.takeovers++;
      this.options.say(
        `pes: worker ${shortName(lost)} is gone; shard ${i} moves to ${shortName(slot.owner)} (${slot.base ? 'restoring a snapshot, ' : ''}replaying ${slot.log.length} requests)`,
      );
      const replay: Request[] = [
        { op: 'create', config: this.config },
        ...(slot.base ? [{ op: 'restore-all' as const, states: slot.base }] : []),
        ...slot.log,
      ];
      let lostAgain = false;
      for (const request of replay) {
        const reply = await this.send(i, slot.owner, request);
        if (reply === LOST) {
          lostAgain = true;
          break;
        }
        this.value(reply);
      }
      if (!lostAgain) return;
    }
  }

  /** Sends one request to `owner`; its answer, or LOST once the owner's alive key is gone. */
  private async send(i: number, owner: string, request: Request): Promise<Answer | typeof LOST> {
    const slot = this.slots[i];
    const seq = slot ? ++slot.seq : 1;
    const envelope: Envelope = {
      session: this.session,
      shard: i,
      seq,
      version: PES_VERSION,
      protocol: PROTOCOL,
      request,
    };
    const bytes = encode(envelope);
    this.stats.bytesSent += bytes.length;
    const answered = new Promise<Reply & { bytes: number }>((resolve, reject) =>
      this.waiters.set(`${i}:${seq}`, { resolve, reject }),
    );
    // Failed by the reply reader when Redis is gone, maybe after this request gave up on it.
    answered.catch(() => undefined);
    await this.redis
      .multi()
      .rpush(keys.inbox(owner), bytes)
      .pexpire(keys.inbox(owner), 3_600_000)
      .exec();
    // Until the answer comes, look every quarter lease whether the owner is still alive.
    let watch: NodeJS.Timeout | undefined;
    const lost = new Promise<typeof LOST>((resolve) => {
      watch = setInterval(
        () => {
          this.redis.exists(keys.alive(owner)).then(
            (n) => n === 0 && resolve(LOST),
            () => undefined, // Redis gone: the reply reader fails every waiter
          );
        },
        Math.max(50, this.leaseMs / 4),
      );
    });
    try {
      const reply = await Promise.race([answered, lost]);
      if (reply === LOST) {
        this.waiters.delete(`${i}:${seq}`);
        return LOST;
      }
      return { ...reply, sent: bytes.length };
    } finally {
      clearInterval(watch);
    }
  }

  /** Pops every answer of the session and hands it to the request waiting for it. */
  private async readReplies(): Promise<void> {
    while (!this.closed) {
      let popped: [Buffer, Buffer] | null;
      try {
        popped = await this.blocking.blpopBuffer(keys.reply(this.session), 0.5);
      } catch {
        if (this.closed) return;
        if (this.blocking.status === 'end') return this.failAll();
        await sleep(100);
        continue;
      }
      if (!popped) continue;
      this.stats.bytesReceived += popped[1].length;
      const reply = decode<Reply>(popped[1]);
      const waiter = this.waiters.get(`${reply.shard}:${reply.seq}`);
      // An answer nobody waits for (from a worker given up as lost) is dropped.
      if (!waiter) continue;
      this.waiters.delete(`${reply.shard}:${reply.seq}`);
      waiter.resolve({ ...reply, bytes: popped[1].length });
    }
  }

  /** Redis is gone for good (retried for --wait seconds): every pending request fails. */
  private failAll(): void {
    const error = this.lost();
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
  }

  /**
   * An error of a request, as the user should read it: ioredis's "Connection is closed." (its
   * commands fail with it while the connection closes for good) is Redis lost.
   */
  private redisFailure(error: unknown): unknown {
    if (this.lostRedis) return this.lostRedis;
    const closed = error instanceof Error && /Connection is closed/.test(error.message);
    return closed || this.redis.status === 'end' ? this.lost() : error;
  }

  private lost(): ClusterError {
    return (this.lostRedis ??= new ClusterError(
      `lost the connection to Redis at ${describeRedis(this.options.url)} for more than ${this.options.wait} s; the last checkpoint stands`,
    ));
  }

  /** A reply's value; its failure, rethrown under the worker's error name. */
  private value(reply: Reply): unknown {
    if (reply.ok) return reply.value;
    const error = new Error(reply.error!.message);
    error.name = reply.error!.name;
    throw error;
  }

  /**
   * Snapshots every shard whose log has grown past its last snapshot (and 16 MiB), or whose
   * replay would take more than MAX_REPLAY_MS.
   */
  private async snapshotLongLogs(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot, i) => {
        const long =
          slot.logBytes > Math.max(slot.baseBytes, this.options.minLogBytes ?? MIN_LOG_BYTES);
        if (!long && slot.logMs <= MAX_REPLAY_MS) return;
        const reply = await this.call(i, { op: 'snapshot-all' });
        slot.base = this.value(reply) as [number, unknown][];
        slot.baseBytes = reply.bytes;
        slot.log = [];
        slot.logBytes = 0;
        slot.logMs = 0;
        this.stats.snapshots++;
        this.stats.snapshotBytes += reply.bytes;
      }),
    );
  }
}

/** `host-pid-xxxx` as `host:pid`. */
function shortName(id: string): string {
  const parts = id.split('-');
  return parts.length >= 3 ? `${parts.slice(0, -2).join('-')}:${parts.at(-2)}` : id;
}

function ignored(refused: Map<string, string>): string {
  return refused.size > 0
    ? ` (ignored: ${[...refused.values()].slice(0, 3).join('; ')}; this is @pes ${PES_VERSION})`
    : '';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
