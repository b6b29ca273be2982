import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { resultProblem } from '../src/messages.js';
import { PES_VERSION, PROTOCOL, type Envelope, type Reply } from '../src/protocol.js';
import { encodeMessage, readEnvelope, readReply } from '../src/wire.js';
import { serializedProblem } from '../src/serialized-limits.js';
import { seal, unseal } from '../src/signing.js';

// Everything a coordinator or worker reads from Redis, checked without Redis: what a hostile or
// broken client can put in an inbox or a reply list is refused (with a reason), never thrown.

const SECRET = new Uint8Array(Buffer.from('a-secret-of-32-bytes-for-tests!!'));

const envelope = (request: Envelope['request'] = { op: 'snapshot', from: 1 }): Envelope => ({
  session: 'host-1-abcd1234',
  shard: 0,
  seq: 3,
  version: PES_VERSION,
  protocol: PROTOCOL,
  request,
});

const reply = (value: unknown = null, fields: Partial<Reply> = {}): Reply => ({
  session: 'host-1-abcd1234',
  shard: 0,
  seq: 3,
  worker: 'w-2-ef',
  ok: true,
  value,
  ms: 1.5,
  ...fields,
});

function deep(levels: number): unknown {
  let value: unknown = null;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('the limits checked before a message is deserialised', () => {
  it('accepts every kind of value our messages hold, bit for bit after decoding', () => {
    const value = {
      thetas: new Float64Array([1.5, -0, NaN, Infinity]),
      done: new Uint8Array([0, 1]),
      indices: new Int32Array([3, -4]),
      key: [1, 2, 3, 4294967295],
      text: 'héllo ✓ 𝜃',
      nested: { map: new Map([[1, 'a']]), set: new Set([2]), list: [null, undefined, true, false] },
      big: 12345678901234567890n,
      sparse: Object.assign([], { 5: 1 }),
      repeated: undefined as unknown,
    };
    value.repeated = value.nested;
    expect(serializedProblem(serialize(value))).toBeUndefined();
  });

  it('refuses garbage, an empty message, a truncated one, and values of other kinds', () => {
    expect(serializedProblem(Buffer.from('garbage'))).toBe('not a serialised value');
    expect(serializedProblem(Buffer.alloc(0))).toBe('not a serialised value');
    const whole = serialize({ a: new Float64Array(100) });
    expect(serializedProblem(whole.subarray(0, whole.length - 10))).toBe('truncated');
    expect(serializedProblem(serialize(new Error('x')))).toMatch(/unexpected kind/);
    expect(serializedProblem(serialize(/x/g))).toMatch(/unexpected kind/);
  });

  it('refuses a value nested deeper than the limit, and one over the size limit', () => {
    expect(serializedProblem(serialize(deep(64)))).toBeUndefined();
    expect(serializedProblem(serialize(deep(65)))).toBe('nested deeper than 64 levels');
    // 20,000 levels, hand-made (V8 cannot serialise it): the check never recurses.
    const header = serialize(null).subarray(0, 2);
    const bytes = Buffer.concat([header, Buffer.alloc(20_000, 'o'.charCodeAt(0))]);
    expect(serializedProblem(bytes)).toBe('nested deeper than 64 levels');
    expect(serializedProblem(serialize('x'.repeat(100)), { maxBytes: 50, maxDepth: 4 })).toMatch(
      /over the limit of 50/,
    );
  });
});

describe('signed messages', () => {
  it('a signed message opens with the secret; unsigned, badly signed or of another kind it does not', () => {
    const payload = serialize({ x: 1 });
    const sealed = seal(payload, 'reply', SECRET);
    expect(unseal(sealed, 'reply', SECRET)).toEqual({ payload });
    expect(unseal(payload, 'reply', SECRET)).toEqual({ refused: 'unsigned' });
    expect(unseal(sealed, 'request', SECRET)).toEqual({ refused: 'badly signed' });
    const other = new Uint8Array(Buffer.from('another-secret-of-32-bytes-too!!'));
    expect(unseal(sealed, 'reply', other)).toEqual({ refused: 'badly signed' });
    const tampered = Buffer.from(sealed);
    const last = tampered.length - 1;
    tampered[last] = tampered[last]! ^ 1;
    expect(unseal(tampered, 'reply', SECRET)).toEqual({ refused: 'badly signed' });
    expect(unseal(sealed, 'reply', undefined)).toEqual({
      refused: 'signed, but this process has no secret',
    });
    expect(unseal(payload, 'reply', undefined)).toEqual({ payload });
  });

  it('the session, shard, seq and worker are under the signature', () => {
    const sealed = encodeMessage(reply(), 'reply', SECRET);
    expect(readReply(sealed, SECRET)).toEqual({ value: reply() });
    // The same reply with another seq, signed by someone without the secret, is refused.
    const forged = encodeMessage(reply(null, { seq: 4 }), 'reply', new Uint8Array(32));
    expect(readReply(forged, SECRET)).toEqual({ refused: 'badly signed' });
  });
});

describe('the schema of each message', () => {
  it('a request of each operation passes; a field more, less or of another type does not', () => {
    const key = [1, 2, 3, 4] as const;
    const good: Envelope['request'][] = [
      { op: 'create', config: { task: 'quadratic' } },
      { op: 'init', id: 1, key, particles: 4, stepOffsets: new Int32Array(4) },
      { op: 'unroll', id: 2, from: 1, thetas: new Float64Array(8), steps: 5, key, gradient: false },
      { op: 'reset', id: 3, from: 2, mask: new Uint8Array(4), key },
      { op: 'gather', id: 3, from: 2, indices: new Int32Array(4) },
      { op: 'restore', id: 4, snapshot: { anything: [1] } },
      { op: 'restore-all', states: [[1, {}]] },
      { op: 'evaluate', theta: new Float64Array(2), key },
      { op: 'snapshot-all' },
      { op: 'close' },
    ];
    for (const request of good)
      expect(readEnvelope(encodeMessage(envelope(request), 'request'))).toEqual({
        value: envelope(request),
      });
    const bad = [
      { ...envelope(), extra: 1 },
      { ...envelope(), shard: -1 },
      { ...envelope(), seq: 1.5 },
      { ...envelope(), session: '' },
      envelope({
        op: 'unroll',
        id: 2,
        from: 1,
        thetas: [1, 2],
        steps: 5,
        key,
        gradient: false,
      } as never),
      envelope({ op: 'import', module: 'node:child_process' } as never),
      envelope({ op: 'close', code: 'x' } as never),
      null,
      42,
      'a string',
    ];
    for (const value of bad)
      expect(readEnvelope(serialize(value)), JSON.stringify(value)).toMatchObject({
        refused: expect.stringMatching(/^malformed/),
      });
  });

  it('garbage, null and a deep value in an inbox or a reply list are refused, never thrown', () => {
    const header = serialize(null).subarray(0, 2);
    for (const bytes of [
      Buffer.from('garbage'),
      serialize(null),
      Buffer.concat([header, Buffer.alloc(20_000, 'o'.charCodeAt(0))]),
      Buffer.from([0xff, 0x0f, 0x6f]),
    ]) {
      expect(readEnvelope(bytes)).toHaveProperty('refused');
      expect(readReply(bytes)).toHaveProperty('refused');
      expect(readReply(bytes, SECRET)).toEqual({ refused: 'unsigned' });
    }
    expect(readReply(encodeMessage(reply(null, { ok: false }), 'reply'))).toEqual({
      refused: 'a failure without its error',
    });
  });
});

describe('an answer has exactly the shape its request asks for', () => {
  const key = [1, 2, 3, 4] as const;
  const unroll = (gradient = false) =>
    ({
      op: 'unroll',
      id: 2,
      from: 1,
      thetas: new Float64Array(3 * 2),
      steps: 5,
      key,
      gradient,
    }) as const;

  it('an unroll: losses and done of rows × steps, grads of rows × dim only when asked', () => {
    const losses = new Float64Array(15);
    const done = new Uint8Array(15);
    expect(resultProblem(unroll(), { losses, done }, 2)).toBeUndefined();
    expect(resultProblem(unroll(), { losses: losses.subarray(0, 14), done }, 2)).toBe(
      'losses: 14 values, expected 15',
    );
    expect(resultProblem(unroll(), { losses, done: new Uint8Array(3) }, 2)).toBe(
      'done: 3 values, expected 15',
    );
    expect(resultProblem(unroll(), { losses: Array.from(losses), done }, 2)).toMatch(/losses/);
    expect(resultProblem(unroll(true), { losses, done }, 2)).toBe('grads: no values, expected 6');
    expect(
      resultProblem(unroll(true), { losses, done, grads: new Float64Array(6) }, 2),
    ).toBeUndefined();
    expect(resultProblem(unroll(), { losses, done, grads: new Float64Array(6) }, 2)).toBe(
      'grads where none was asked for',
    );
    expect(resultProblem(unroll(), { losses, done }, undefined)).toMatch(/before the task/);
  });

  it('a create: a task meta whose θ has dim values; the others: null, or their own shape', () => {
    const meta = {
      name: 'quadratic',
      dim: 2,
      horizon: 10,
      maximize: false,
      initialTheta: new Float64Array(2),
      differentiable: true,
      unit: null,
    };
    const create = { op: 'create', config: {} } as const;
    expect(resultProblem(create, meta, undefined)).toBeUndefined();
    expect(resultProblem(create, { ...meta, initialTheta: new Float64Array(3) }, undefined)).toBe(
      'initialTheta has 3 values for dim 2',
    );
    expect(resultProblem({ op: 'close' }, null, 2)).toBeUndefined();
    expect(resultProblem({ op: 'close' }, { evil: 1 }, 2)).toBe('a value where none is due');
    expect(resultProblem({ op: 'snapshot-all' }, [[1, {}]], 2)).toBeUndefined();
    expect(resultProblem({ op: 'snapshot-all' }, [['x', {}]], 2)).toMatch(/malformed/);
    const evaluate = { op: 'evaluate', theta: new Float64Array(2), key } as const;
    expect(resultProblem(evaluate, { evalLoss: 1, accuracy: 0.5 }, 2)).toBeUndefined();
    expect(resultProblem(evaluate, { accuracy: 0.5 }, 2)).toMatch(/malformed/);
  });
});
