import { SHARD_OPERATIONS, makeKey, type ShardOp } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { MAX_REPLAY_MS, MIN_LOG_BYTES, ShardJournal } from '../src/journal.js';
import type { ClusterRequest } from '../src/protocol.js';

const key = makeKey(1);
const create = { op: 'create' as const, config: { task: 'quadratic' } };

/**
 * One request of every shard operation, as a coordinator sends it. Typed so that an operation
 * added to @pes/core's protocol must be added here, and so be checked below.
 */
const samples: { [Op in ShardOp]: ClusterRequest & { op: Op } } = {
  create: { op: 'create', config: { task: 'other' } },
  init: { op: 'init', id: 9, key, particles: 2 },
  unroll: {
    op: 'unroll',
    id: 9,
    from: 1,
    thetas: new Float64Array(4),
    steps: 5,
    key,
    gradient: false,
  },
  reset: { op: 'reset', id: 9, from: 1, mask: Uint8Array.from([1, 0]), key },
  gather: { op: 'gather', id: 9, from: 1, indices: Int32Array.from([0]) },
  snapshot: { op: 'snapshot', from: 1 },
  restore: { op: 'restore', id: 9, snapshot: { s: new Float64Array(2) } },
  dispose: { op: 'dispose', from: 1 },
  'snapshot-all': { op: 'snapshot-all' },
  'restore-all': { op: 'restore-all', states: [[4, { s: new Float64Array(2) }]] },
  evaluate: { op: 'evaluate', theta: new Float64Array(2), key },
  close: { op: 'close' },
};

/** A journal that holds a snapshot and two logged requests. */
function busyJournal(): ShardJournal {
  const journal = new ShardJournal('host-1-aaaa', create);
  journal.snapshotTaken([[1, { s: new Float64Array(2) }]], 1000);
  journal.record({ op: 'init', id: 2, key, particles: 2 }, { bytes: 10, ms: 1 });
  journal.record({ op: 'dispose', from: 1 }, { bytes: 10, ms: 1 });
  return journal;
}

describe('the shard journal', () => {
  it('has a sample of every operation the protocol declares', () => {
    expect(Object.keys(samples).sort()).toEqual(Object.keys(SHARD_OPERATIONS).sort());
  });

  it.each(Object.keys(samples) as ShardOp[])(
    '%s: journalled exactly when SHARD_OPERATIONS says it changes the states',
    (op) => {
      const journal = busyJournal();
      const before = journal.replay();
      const request = samples[op];
      journal.record(request, { bytes: 100, ms: 5 });
      const after = journal.replay();
      if (!SHARD_OPERATIONS[op].mutates) {
        expect(after).toEqual(before);
        return;
      }
      // A replacement rebuilt from the journal sees the request's effect.
      expect(after).not.toEqual(before);
      if (op === 'create') expect(after).toEqual([request]);
      else if (op === 'restore-all') expect(after).toEqual([create, request]);
      else if (op === 'close') expect(after).toEqual([create]);
      else expect(after).toEqual([...before, request]);
    },
  );

  it('replays create, the last snapshot, then the log in order', () => {
    const journal = new ShardJournal('w', create);
    expect(journal.replay()).toEqual([create]);
    const init = samples.init;
    const unroll = samples.unroll;
    journal.record(init, { bytes: 1, ms: 1 });
    journal.record(samples.evaluate, { bytes: 1, ms: 1 });
    journal.record(unroll, { bytes: 1, ms: 1 });
    expect(journal.replay()).toEqual([create, init, unroll]);
    expect(journal.pending).toEqual({ snapshot: false, requests: 2 });
    const states: [number, unknown][] = [[9, 'state']];
    journal.snapshotTaken(states, 50);
    expect(journal.replay()).toEqual([create, { op: 'restore-all', states }]);
    expect(journal.pending).toEqual({ snapshot: true, requests: 0 });
    journal.record(samples.reset, { bytes: 1, ms: 1 });
    expect(journal.replay()).toEqual([create, { op: 'restore-all', states }, samples.reset]);
  });

  it('snapshots a log longer than its last snapshot and the floor (16 MiB by default)', () => {
    const journal = new ShardJournal('w', create);
    journal.record(samples.init, { bytes: MIN_LOG_BYTES, ms: 1 });
    expect(journal.needsSnapshot()).toBe(false);
    journal.record(samples.unroll, { bytes: 1, ms: 1 });
    expect(journal.needsSnapshot()).toBe(true);

    const small = new ShardJournal('w', create, { minLogBytes: 100 });
    small.record(samples.init, { bytes: 101, ms: 1 });
    expect(small.needsSnapshot()).toBe(true);
    // A snapshot of 500 bytes: the log may grow to 500 before the next.
    small.snapshotTaken([], 500);
    expect(small.needsSnapshot()).toBe(false);
    small.record(samples.unroll, { bytes: 500, ms: 1 });
    expect(small.needsSnapshot()).toBe(false);
    small.record(samples.unroll, { bytes: 1, ms: 1 });
    expect(small.needsSnapshot()).toBe(true);
  });

  it('snapshots a log whose replay would take more than 2 minutes of compute', () => {
    const journal = new ShardJournal('w', create);
    journal.record(samples.unroll, { bytes: 1, ms: MAX_REPLAY_MS });
    expect(journal.needsSnapshot()).toBe(false);
    journal.record(samples.unroll, { bytes: 1, ms: 1 });
    expect(journal.needsSnapshot()).toBe(true);
    const quick = new ShardJournal('w', create, { maxReplayMs: 10 });
    quick.record(samples.unroll, { bytes: 1, ms: 11 });
    expect(quick.needsSnapshot()).toBe(true);
  });

  it("counts the shard's requests and keeps its owner", () => {
    const journal = new ShardJournal('host-1-aaaa', create);
    expect([journal.nextSeq(), journal.nextSeq(), journal.seq]).toEqual([1, 2, 2]);
    journal.owner = 'host-2-bbbb';
    expect(journal.owner).toBe('host-2-bbbb');
  });
});
