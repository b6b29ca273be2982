import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError } from '../src/errors.js';
import { keys, PES_VERSION, PROTOCOL, type WorkerRecord } from '../src/protocol.js';
import { announce, WorkerRoster, type RosterOptions } from '../src/roster.js';
import { MemoryStore } from '../src/store.js';

const LEASE = 3000;

/** A store on a clock the test moves. */
function store() {
  let now = 1_000_000;
  const memory = new MemoryStore(() => now);
  return { memory, advance: (ms: number) => (now += ms) };
}

function worker(n: number, version = PES_VERSION): WorkerRecord {
  return {
    id: `host${n}-${100 + n}-abcd`,
    version,
    protocol: PROTOCOL,
    host: `host${n}`,
    pid: 100 + n,
  };
}

const alive = (memory: MemoryStore, record: WorkerRecord) =>
  memory.set(keys.alive(record.id), JSON.stringify(record), LEASE);

const rosters: WorkerRoster[] = [];
function roster(memory: MemoryStore, options: Partial<RosterOptions> = {}) {
  const said: string[] = [];
  const r = new WorkerRoster(memory, {
    session: 'session-a',
    leaseMs: LEASE,
    wait: 0.2,
    where: 'redis://127.0.0.1:6379/1',
    say: (line) => said.push(line),
    pollMs: 10,
    ...options,
  });
  rosters.push(r);
  return { roster: r, said };
}

afterEach(async () => {
  for (const r of rosters.splice(0)) await r.close();
});

describe('the worker roster (in memory)', () => {
  it('claims free workers of its version, one per shard, and says so', async () => {
    const { memory } = store();
    for (const n of [1, 2, 3]) await alive(memory, worker(n));
    const { roster: r, said } = roster(memory);
    const owners = await r.attach(2);
    expect(new Set(owners).size).toBe(2);
    for (const id of owners) expect(await memory.getMany([keys.claim(id)])).toEqual(['session-a']);
    expect([...r.workers].sort()).toEqual([...owners].sort());
    expect(said.at(-1)).toBe('pes: 2 workers attached at redis://127.0.0.1:6379/1');
  });

  it('two coordinators never claim one worker', async () => {
    const { memory } = store();
    for (const n of [1, 2]) await alive(memory, worker(n));
    const a = roster(memory).roster;
    const b = roster(memory, { session: 'session-b' }).roster;
    const [first, second] = await Promise.all([a.attach(1), b.attach(1)]);
    expect(first![0]).not.toBe(second![0]);
    await expect(roster(memory, { session: 'session-c' }).roster.attach(1)).rejects.toThrow(
      ClusterError,
    );
  });

  it('waits for workers, then gives up in one line naming the workers of another version', async () => {
    const { memory } = store();
    await alive(memory, worker(1));
    await alive(memory, worker(2, '0.0.1'));
    const { roster: r, said } = roster(memory, { wait: 0.1 });
    await expect(r.attach(2)).rejects.toThrow(
      `1 of 2 workers attached to redis://127.0.0.1:6379/1 after 0.1 s (ignored: host2:102 runs @pes 0.0.1; this is @pes ${PES_VERSION}); start more with: npx pes worker --redis URL`,
    );
    expect(said).toEqual([
      `pes: waiting for workers at redis://127.0.0.1:6379/1: 1 of 2 attached (ignored: host2:102 runs @pes 0.0.1; this is @pes ${PES_VERSION})`,
    ]);
  });

  it("a worker that never appears is not claimed; one that is a lease old isn't alive", async () => {
    const { memory, advance } = store();
    await alive(memory, worker(1));
    advance(LEASE);
    expect(await roster(memory).roster.alive()).toEqual([]);
    await expect(roster(memory).roster.attach(1)).rejects.toThrow('0 of 1 workers attached');
  });

  it('renews its own claims only', async () => {
    const { memory, advance } = store();
    await alive(memory, worker(1));
    const { roster: r } = roster(memory);
    const [id] = await r.attach(1);
    advance(LEASE - 1);
    await r.renew();
    advance(LEASE - 1);
    expect(await memory.exists(keys.claim(id!))).toBe(true);
    // Another session's claim is left to expire.
    await memory.set(keys.claim(id!), 'session-b', 10);
    await r.renew();
    advance(11);
    expect(await memory.exists(keys.claim(id!))).toBe(false);
  });

  it('notices a worker gone once its alive key has expired', async () => {
    const { memory, advance } = store();
    await alive(memory, worker(1));
    const { roster: r } = roster(memory, { leaseMs: 200 });
    const [id] = await r.attach(1);
    const watch = r.watch(id!);
    let gone = false;
    void watch.gone.then(() => (gone = true));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(gone).toBe(false);
    advance(LEASE);
    await watch.gone;
    watch.stop();
    expect(gone).toBe(true);
  });

  it('replaces a lost worker by a free one, else by the live one of ours with the fewest shards', async () => {
    const { memory, advance } = store();
    for (const n of [1, 2, 3]) await alive(memory, worker(n));
    const { roster: r, said } = roster(memory);
    const [a, b, c] = await r.attach(3);
    // c is lost; a new worker 4 is free: it takes the shard.
    await memory.del(keys.alive(c!));
    r.release(c!);
    await alive(memory, worker(4));
    const d = await r.replacement(2, [a!, b!, c!]);
    expect(d).toBe(worker(4).id);
    // d is lost too, and nobody is free: b, with one shard against a's two, takes it.
    await memory.del(keys.alive(d));
    r.release(d);
    expect(await r.replacement(3, [a!, a!, b!, d])).toBe(b);
    // Nobody alive: it waits, says so once, then gives up.
    advance(LEASE);
    await expect(r.replacement(0, [a!, b!])).rejects.toThrow(
      'no worker left at redis://127.0.0.1:6379/1 to take shard 0 over after 0.2 s; the last checkpoint stands',
    );
    expect(said.at(-1)).toBe('pes: shard 0 lost its worker; waiting for another');
  });

  it('releases its workers on close: another coordinator claims them at once', async () => {
    const { memory } = store();
    await alive(memory, worker(1));
    const { roster: first } = roster(memory);
    await first.attach(1);
    await first.close();
    const { roster: second } = roster(memory, { session: 'session-b' });
    expect(await second.attach(1)).toEqual([worker(1).id]);
  });

  it('a worker announces itself for a lease at a time, and leaves at once', async () => {
    const { memory } = store();
    const presence = await announce(memory, worker(5), LEASE);
    expect(await roster(memory).roster.alive()).toEqual([worker(5)]);
    presence.stop();
    await presence.leave();
    expect(await memory.exists(keys.alive(worker(5).id))).toBe(false);
  });
});

describe('the in-memory store', () => {
  it('scans by glob, expires keys, and claims atomically only while the other key lives', async () => {
    const { memory, advance } = store();
    await memory.set('pes:alive:a', '1', 100);
    await memory.set('pes:alive:b', '2', 200);
    await memory.set('pes:claim:a', 'x', 100);
    expect((await memory.scan('pes:alive:*')).sort()).toEqual(['pes:alive:a', 'pes:alive:b']);
    expect(await memory.getMany(['pes:alive:a', 'nope'])).toEqual(['1', null]);
    expect(await memory.setIfAbsent('pes:claim:b', 's', 100, 'pes:alive:b')).toBe(true);
    expect(await memory.setIfAbsent('pes:claim:b', 't', 100, 'pes:alive:b')).toBe(false);
    expect(await memory.setIfAbsent('pes:claim:c', 's', 100, 'pes:alive:c')).toBe(false);
    expect(await memory.expireIfOwned('pes:claim:b', 't', 1000)).toBe(false);
    expect(await memory.expireIfOwned('pes:claim:b', 's', 1000)).toBe(true);
    advance(150);
    expect(await memory.scan('pes:*')).toEqual(['pes:alive:b', 'pes:claim:b']);
  });
});

describe('alive keys that are no live worker', () => {
  it('a non-JSON value, a record under another key, and a key without a time to live are ignored, and the waiting line says so', async () => {
    const { memory } = store();
    memory.setForever(keys.alive('ghost-1-aaaa'), JSON.stringify(worker(9, PES_VERSION)));
    memory.setForever(keys.alive(worker(3).id), JSON.stringify(worker(3)));
    await memory.set(keys.alive('junk'), 'not json {', LEASE);
    await memory.set(keys.alive('deep'), '['.repeat(100_000), LEASE);
    const r = roster(memory);
    expect(await r.roster.alive()).toEqual([]);
    await expect(r.roster.attach(1)).rejects.toThrow(ClusterError);
    expect([...r.roster.ghosts.values()].sort()).toEqual([
      `pes:alive:deep holds no worker's record`,
      `pes:alive:ghost-1-aaaa holds the record of another worker`,
      `pes:alive:${worker(3).id} never expires`,
      `pes:alive:junk holds no worker's record`,
    ]);
    // A real worker beside them is found and claimed.
    await alive(memory, worker(1));
    expect(await r.roster.attach(1)).toEqual([worker(1).id]);
  });
});

describe('a claim lost while the coordinator was away', () => {
  it('is claimed again while the worker is free; taken by another session, it ends the run in one line', async () => {
    const { memory, advance } = store();
    await alive(memory, worker(1));
    const a = roster(memory);
    await a.roster.attach(1);
    // Paused past its lease: the claim lapses; the worker is still alive.
    advance(LEASE + 1);
    await alive(memory, worker(1));
    await a.roster.renew();
    expect(a.roster.lostClaim).toBeUndefined();
    expect(await memory.getMany([keys.claim(worker(1).id)])).toEqual(['session-a']);
    // Paused again, and a second run claims the worker meanwhile.
    advance(LEASE + 1);
    await alive(memory, worker(1));
    const b = roster(memory, { session: 'session-b' });
    await b.roster.attach(1);
    const waiting = a.roster.claimLost();
    await a.roster.renew();
    await expect(waiting.lost).rejects.toThrow(
      /^worker host1-101-abcd was claimed by session session-b while this run's claim on it had lapsed/,
    );
    expect(a.roster.lostClaim).toBeInstanceOf(ClusterError);
  });
});

describe('workers and a run that disagree on the secret', () => {
  it('are never paired, and the waiting line says why', async () => {
    const { memory } = store();
    await alive(memory, { ...worker(1), signed: true });
    const unsigned = roster(memory);
    await expect(unsigned.roster.attach(1)).rejects.toThrow(
      /\(ignored: host1:101 has cluster secret, this run has none\)/,
    );
    await alive(memory, { ...worker(2), signed: false });
    const signed = roster(memory, { signed: true });
    await expect(signed.roster.attach(2)).rejects.toThrow(
      /1 of 2 workers attached .*\(ignored: host2:102 has no cluster secret, this run has\)/,
    );
  });
});
