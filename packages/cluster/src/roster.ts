import { keys, PES_VERSION, PROTOCOL, type WorkerRecord } from './protocol.js';
import { ClusterError } from './errors.js';
import { checkWorkerRecord } from './messages.js';
import type { KeyValueStore } from './store.js';

export interface RosterOptions {
  /** The coordinator's session: the value of its claims. */
  session: string;
  /** Milliseconds a claim lives without renewal (and a worker without a heartbeat). */
  leaseMs: number;
  /** Seconds to wait for workers to attach, or for one to take a lost shard over. */
  wait: number;
  /** Where the workers attach, as it may be printed (a Redis URL without its password). */
  where: string;
  say: (line: string) => void;
  /** Milliseconds between two looks for a free worker (250). */
  pollMs?: number;
  /** Whether this run signs its messages: only workers that do too are claimed. */
  signed?: boolean;
}

/**
 * The workers of one coordinator: it finds the workers alive (their alive keys), claims free
 * ones of its own version atomically (a claim key set only while the worker is alive and
 * unclaimed, so two coordinators never own one worker), renews its claims every third of a
 * lease, and notices a worker gone (its alive key expired, one lease after its last heartbeat).
 * It knows nothing of shards or messages.
 */
export class WorkerRoster {
  private readonly claimed = new Set<string>();
  private renewal?: ReturnType<typeof setInterval>;
  /** Alive keys that are no worker's (unreadable, or without a time to live), by key: why. */
  readonly ghosts = new Map<string, string>();
  /** Set once a claim of ours was taken by another session: nothing more is sent. */
  lostClaim?: ClusterError;
  private lostClaimListeners: ((error: ClusterError) => void)[] = [];

  constructor(
    private readonly store: KeyValueStore,
    private readonly options: RosterOptions,
  ) {}

  /** The workers claimed and not given up. */
  get workers(): ReadonlySet<string> {
    return this.claimed;
  }

  /**
   * Every worker alive now, with its record. A key whose value is no worker's record (not JSON,
   * another shape, another id than its key's), or that lives for ever or longer than any lease
   * (no worker set it: a ghost that would never be noticed gone), is ignored and noted in `ghosts`.
   */
  async alive(): Promise<WorkerRecord[]> {
    const found = (await this.store.scan(keys.alivePattern)).slice(0, 10_000);
    if (found.length === 0) return [];
    const [values, ttls] = await Promise.all([this.store.getMany(found), this.store.ttls(found)]);
    const records: WorkerRecord[] = [];
    found.forEach((key, i) => {
      const value = values[i];
      if (value === null || value === undefined) return;
      const why = ghostProblem(key, value, ttls[i]!);
      if (typeof why === 'string') this.ghosts.set(key, why);
      else records.push(why);
    });
    return records;
  }

  /** Waits (saying how many so far) until `count` workers are claimed: their ids. */
  async attach(count: number): Promise<string[]> {
    const { where, wait, say } = this.options;
    const owners: string[] = [];
    const refused = new Map<string, string>();
    const deadline = Date.now() + wait * 1000;
    let said = -1;
    while (owners.length < count) {
      const worker = await this.claimOne(refused);
      if (worker) {
        owners.push(worker);
        continue;
      }
      if (owners.length !== said) {
        said = owners.length;
        say(
          `pes: waiting for workers at ${where}: ${owners.length} of ${count} attached${ignored(refused, this.ghosts)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new ClusterError(
          `${owners.length} of ${count} workers attached to ${where} after ${wait} s${ignored(refused, this.ghosts)}; start more with: npx pes worker --redis URL`,
        );
      }
      await this.pause();
    }
    say(`pes: ${count} workers attached at ${where}`);
    return owners;
  }

  /**
   * A worker for a lost shard: a free one, else the live worker of ours with the fewest of
   * `owners` (every shard's owner), waiting for one as long as the roster waits.
   */
  async replacement(shard: number, owners: readonly string[]): Promise<string> {
    const deadline = Date.now() + this.options.wait * 1000;
    let said = false;
    for (;;) {
      const free = await this.claimOne(new Map());
      if (free) return free;
      const alive = new Set((await this.alive()).map((w) => w.id));
      const load = new Map<string, number>();
      for (const w of this.claimed) if (alive.has(w)) load.set(w, 0);
      for (const owner of owners) if (load.has(owner)) load.set(owner, load.get(owner)! + 1);
      const least = [...load].sort((a, b) => a[1] - b[1])[0];
      if (least) return least[0];
      if (!said) this.options.say(`pes: shard ${shard} lost its worker; waiting for another`);
      said = true;
      if (Date.now() > deadline)
        throw new ClusterError(
          `no worker left at ${this.options.where} to take shard ${shard} over after ${this.options.wait} s; the last checkpoint stands`,
        );
      await this.pause();
    }
  }

  /** Gives `worker` up (it is gone): it is no longer ours to renew or to load. */
  release(worker: string): void {
    this.claimed.delete(worker);
  }

  /**
   * Renews every claim of ours now. A claim found lapsed (this process was paused longer than a
   * lease, or Redis restarted and lost it) is claimed again while the worker is free; one that
   * another session holds by then ends the run (`lostClaim`): two runs never share a worker. A
   * worker whose alive key is gone is left to `watch`. A renewal that fails (Redis unreachable)
   * is tried again next time.
   */
  async renew(): Promise<void> {
    const { session, leaseMs } = this.options;
    for (const worker of this.claimed) {
      try {
        if (await this.store.expireIfOwned(keys.claim(worker), session, leaseMs)) continue;
        if (await this.store.setIfAbsent(keys.claim(worker), session, leaseMs, keys.alive(worker)))
          continue;
        const [other] = await this.store.getMany([keys.claim(worker)]);
        if (other && other !== session && !this.lostClaim) {
          this.lostClaim = new ClusterError(
            `worker ${worker} was claimed by session ${other.slice(0, 100)} while this run's claim on it had lapsed (paused longer than --lease, or Redis restarted); the last checkpoint stands`,
          );
          for (const listener of this.lostClaimListeners) listener(this.lostClaim);
        }
      } catch {
        // Redis unreachable: the connection says so; the claim is renewed next time.
      }
    }
  }

  /**
   * A promise rejected with `lostClaim` once a claim of ours is another session's (it never
   * resolves), and `stop` to forget it (its waiter is done).
   */
  claimLost(): { lost: Promise<never>; stop: () => void } {
    let listener: (error: ClusterError) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => {
      listener = reject;
      if (this.lostClaim) reject(this.lostClaim);
      else this.lostClaimListeners.push(reject);
    });
    lost.catch(() => undefined);
    const stop = () => {
      this.lostClaimListeners = this.lostClaimListeners.filter((l) => l !== listener);
    };
    return { lost, stop };
  }

  /** Renews the claims every third of a lease, until `close`. */
  startRenewing(): void {
    this.renewal = setInterval(() => void this.renew(), this.options.leaseMs / 3);
  }

  /**
   * Watches `worker`'s alive key every quarter lease: `gone` resolves once it has expired. A
   * look that fails (the store unreachable) counts as nothing: the store's users learn of it.
   */
  watch(worker: string): { gone: Promise<void>; stop: () => void } {
    let timer: ReturnType<typeof setInterval> | undefined;
    const gone = new Promise<void>((resolve) => {
      timer = setInterval(
        () => {
          this.store.exists(keys.alive(worker)).then(
            (alive) => !alive && resolve(),
            () => undefined,
          );
        },
        Math.max(50, this.options.leaseMs / 4),
      );
    });
    return { gone, stop: () => clearInterval(timer) };
  }

  /**
   * Stops renewing and releases every worker claimed (each is free at once, not a lease later):
   * a claim that is another session's by now is left alone.
   */
  async close(): Promise<void> {
    clearInterval(this.renewal);
    const { session } = this.options;
    await Promise.all(
      [...this.claimed].map((w) =>
        this.store.delIfOwned(keys.claim(w), session).catch(() => undefined),
      ),
    );
  }

  /** Claims one free worker of our version, if there is one. */
  private async claimOne(refused: Map<string, string>): Promise<string | undefined> {
    for (const worker of await this.alive()) {
      if (this.claimed.has(worker.id)) continue;
      if (worker.version !== PES_VERSION || worker.protocol !== PROTOCOL) {
        refused.set(worker.id, `${worker.host}:${worker.pid} runs @pes ${worker.version}`);
        continue;
      }
      if ((worker.signed ?? false) !== (this.options.signed ?? false)) {
        refused.set(
          worker.id,
          `${worker.host}:${worker.pid} ${worker.signed ? 'has' : 'has no'} cluster secret, this run ${this.options.signed ? 'has' : 'has none'}`,
        );
        continue;
      }
      const { session, leaseMs } = this.options;
      if (
        await this.store.setIfAbsent(keys.claim(worker.id), session, leaseMs, keys.alive(worker.id))
      ) {
        this.claimed.add(worker.id);
        return worker.id;
      }
    }
    return undefined;
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 250));
  }
}

/** The longest lease a worker may have: an alive key that lives longer is no worker's. */
export const MAX_LEASE_MS = 3_600_000;

/** A worker's record under `key`, or why the key is no live worker's. */
function ghostProblem(key: string, value: string, ttl: number): WorkerRecord | string {
  let parsed: unknown;
  try {
    parsed = value.length <= 4096 ? JSON.parse(value) : undefined;
  } catch {
    parsed = undefined;
  }
  const checked = checkWorkerRecord(parsed);
  if ('refused' in checked) return `${key} holds no worker's record`;
  if (key !== keys.alive(checked.value.id)) return `${key} holds the record of another worker`;
  if (ttl < 0 || ttl > MAX_LEASE_MS) return `${key} never expires`;
  return checked.value;
}

/** The workers of another version left unclaimed, and the ghosts, as the waiting line names them. */
function ignored(refused: Map<string, string>, ghosts: Map<string, string>): string {
  const reasons = [...refused.values()].slice(0, 3);
  const versions =
    reasons.join('; ') +
    (reasons.some((r) => r.includes(' runs @pes ')) ? `; this is @pes ${PES_VERSION}` : '');
  const others = ghosts.size > 0 ? [...ghosts.values()].slice(0, 2).join('; ') : '';
  const all = [versions, others].filter(Boolean).join('; ');
  return all ? ` (ignored: ${all})` : '';
}

/**
 * A worker's presence in the roster: its record under its alive key, living one lease and set
 * again every third of a lease. Resolves once the key is first set; `stop` ends the heartbeat,
 * `leave` removes the key (the worker is gone at once, not a lease later).
 */
export async function announce(
  store: KeyValueStore,
  record: WorkerRecord,
  leaseMs: number,
): Promise<{ stop: () => void; leave: () => Promise<void> }> {
  const beat = () => store.set(keys.alive(record.id), JSON.stringify(record), leaseMs);
  await beat();
  const heartbeat = setInterval(() => void beat().catch(() => undefined), leaseMs / 3);
  return {
    stop: () => clearInterval(heartbeat),
    leave: () => store.del(keys.alive(record.id)).catch(() => undefined),
  };
}
