import { isDeepStrictEqual } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defaultLinearQuadraticConfig,
  isShardOp,
  makeKey,
  SHARD_OPERATIONS,
  type ShardOp,
  type ShardRequest,
} from '../src/index.js';
import { createShardHost } from '../src/node/shards/shard-host.js';

const factory = {
  module: new URL('../src/testing/linear-quadratic.ts', import.meta.url).href,
  name: 'linearQuadraticTask',
  options: defaultLinearQuadraticConfig(12),
};
const key = makeKey(3);

/**
 * One request of every operation, on a shard holding states 1 (two particles, fresh) and 2
 * (state 1 unrolled). Typed so that an operation added to the protocol must be added here.
 */
const samples: {
  [Op in ShardOp]: (shard: { dim: number; snapshot: unknown }) => ShardRequest<Op>;
} = {
  create: () => ({ op: 'create', factory }),
  init: () => ({ op: 'init', id: 3, key, particles: 2 }),
  unroll: ({ dim }) => ({
    op: 'unroll',
    id: 3,
    from: 2,
    thetas: new Float64Array(2 * dim).fill(0.5),
    steps: 2,
    key,
    gradient: false,
  }),
  reset: () => ({ op: 'reset', id: 3, from: 2, mask: Uint8Array.from([1, 0]), key }),
  gather: () => ({ op: 'gather', id: 3, from: 2, indices: Int32Array.from([1, 0]) }),
  snapshot: () => ({ op: 'snapshot', from: 2 }),
  restore: ({ snapshot }) => ({ op: 'restore', id: 3, snapshot }),
  dispose: () => ({ op: 'dispose', from: 1 }),
  'snapshot-all': () => ({ op: 'snapshot-all' }),
  'restore-all': ({ snapshot }) => ({ op: 'restore-all', states: [[7, snapshot]] }),
  evaluate: ({ dim }) => ({ op: 'evaluate', theta: new Float64Array(dim), key }),
  close: () => ({ op: 'close' }),
};

/** A shard host with the linear-quadratic task and two states. */
async function hostWithStates() {
  const host = createShardHost();
  const meta = await host.handle({ op: 'create', factory });
  await host.handle({ op: 'init', id: 1, key, particles: 2 });
  await host.handle({
    op: 'unroll',
    id: 2,
    from: 1,
    thetas: new Float64Array(2 * meta.dim).fill(0.25),
    steps: 3,
    key,
    gradient: false,
  });
  const snapshot = await host.handle({ op: 'snapshot', from: 2 });
  return { host, dim: meta.dim, snapshot };
}

describe('the shard protocol', () => {
  it('declares every operation of the union, and nothing else', () => {
    expectTypeOf<keyof typeof SHARD_OPERATIONS>().toEqualTypeOf<ShardOp>();
    expect(Object.keys(SHARD_OPERATIONS).sort()).toEqual(Object.keys(samples).sort());
    for (const op of Object.keys(samples)) expect(isShardOp(op)).toBe(true);
    expect(isShardOp('toString')).toBe(false);
  });

  it.each(Object.keys(samples) as ShardOp[])(
    "%s: a request that changes the shard's states is declared `mutates`",
    async (op) => {
      const { host, dim, snapshot } = await hostWithStates();
      const before = await host.handle({ op: 'snapshot-all' });
      await host.handle(samples[op]({ dim, snapshot }) as ShardRequest);
      const after = await host.handle({ op: 'snapshot-all' });
      if (!isDeepStrictEqual(after, before))
        expect(SHARD_OPERATIONS[op].mutates, `${op} changed the states`).toBe(true);
    },
  );

  it('a shard refuses an operation outside the protocol, naming it', async () => {
    const { host } = await hostWithStates();
    await expect(host.handle({ op: 'teleport' } as unknown as ShardRequest)).rejects.toThrow(
      'shard worker: unknown request teleport',
    );
  });
});
