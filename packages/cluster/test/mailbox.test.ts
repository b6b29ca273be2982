import { describe, expect, it } from 'vitest';
import { ClusterError } from '../src/errors.js';
import { RedisMailbox } from '../src/mailbox.js';
import type { ClusterRequest, Reply } from '../src/protocol.js';
import { encodeMessage } from '../src/wire.js';

// The coordinator's mailbox over a fake Redis: which answers reach the request waiting for them.

const SESSION = 'host-1-abcd1234';
const SECRET = new Uint8Array(Buffer.from('a-secret-of-32-bytes-for-tests!!'));

/** A mailbox whose reply list is `replies` (popped in order) and whose posts are dropped. */
function mailbox(secret?: Uint8Array) {
  const replies: Buffer[] = [];
  const said: string[] = [];
  const transaction = {
    rpush: () => transaction,
    pexpire: () => transaction,
    exec: async () => [],
  };
  const link = {
    redis: { multi: () => transaction, del: async () => 0 },
    blocking: {
      status: 'ready',
      blpopBuffer: async () => {
        await new Promise((r) => setTimeout(r, 2));
        const next = replies.shift();
        return next ? ['reply', next] : null;
      },
    },
    lost: () => new ClusterError('lost'),
  };
  const box = new RedisMailbox(link as never, SESSION, {
    dim: () => 2,
    say: (line) => said.push(line),
    ...(secret ? { secret } : {}),
  });
  box.listen();
  return { box, replies, said };
}

const unroll: ClusterRequest = {
  op: 'unroll',
  id: 2,
  from: 1,
  thetas: new Float64Array(4), // 2 rows of dim 2
  steps: 3,
  key: [1, 2, 3, 4],
  gradient: false,
};
const answer = (fields: Partial<Reply> = {}, losses = 6): Reply => ({
  session: SESSION,
  shard: 0,
  seq: 1,
  worker: 'w1',
  ok: true,
  value: { losses: new Float64Array(losses).fill(0.5), done: new Uint8Array(6) },
  ms: 2,
  ...fields,
});

describe("the coordinator's mailbox", () => {
  it('hands on only the answer of the worker asked, of the session, with exactly the shape asked for', async () => {
    const { box, replies, said } = mailbox();
    const posted = await box.post('w1', 0, 1, unroll);
    replies.push(
      encodeMessage(answer({ worker: 'w2' }), 'reply'),
      encodeMessage(answer({}, 5), 'reply'),
      encodeMessage(answer({ session: 'other-2-beef' }), 'reply'),
      encodeMessage(answer({ seq: 9 }), 'reply'),
      Buffer.from('garbage'),
      encodeMessage(answer(), 'reply'),
    );
    const received = await posted.answer;
    expect(received.worker).toBe('w1');
    expect((received.value as { losses: Float64Array }).losses).toEqual(
      new Float64Array(6).fill(0.5),
    );
    expect(box.refusals.total).toBe(5);
    expect(said[0]).toBe(
      `pes: ignored a message in pes:reply:${SESSION}: an answer to shard 0 from w2, not the worker asked`,
    );
    expect(said[1]).toMatch(
      /a malformed answer to shard 0 unroll \(losses: 5 values, expected 6\)/,
    );
    expect(box.refusals.summary()).toMatch(/^5 messages ignored \(/);
    await box.close();
  });

  it('with a secret, an unsigned answer is refused and a signed one handed on', async () => {
    const { box, replies } = mailbox(SECRET);
    const posted = await box.post('w1', 0, 1, unroll);
    replies.push(encodeMessage(answer(), 'reply'), encodeMessage(answer(), 'reply', SECRET));
    expect((await posted.answer).seq).toBe(1);
    expect(box.refusals.summary()).toBe('1 message ignored (1 unsigned)');
    await box.close();
  });
});
