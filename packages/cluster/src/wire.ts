import { deserialize, serialize } from 'node:v8';
import { checkEnvelope, checkReply } from './messages.js';
import type { Envelope, Reply } from './protocol.js';
import { serializedProblem } from './serialized-limits.js';
import { seal, unseal, type MessageKind } from './signing.js';

// Messages on the wire: serialised with v8, signed where there is a secret, and read back
// through the size and depth limits and each message's schema.

export const encode = (value: unknown): Buffer => serialize(value);
export const decode = <T>(bytes: Buffer): T => deserialize(bytes) as T;

/** A message as it goes into Redis: serialised, and signed where there is a secret. */
export const encodeMessage = (value: Envelope | Reply, kind: MessageKind, secret?: Uint8Array) =>
  seal(encode(value), kind, secret);

/** A message read from Redis: its value, or why it is refused (one phrase, for the counts). */
export type Read<T> = { value: T } | { refused: string };

function readMessage(
  bytes: Buffer,
  kind: MessageKind,
  secret: Uint8Array | undefined,
): Read<unknown> {
  const opened = unseal(bytes, kind, secret);
  if ('refused' in opened) return opened;
  const problem = serializedProblem(opened.payload);
  if (problem) return { refused: problem };
  try {
    return { value: decode(opened.payload) };
  } catch (error) {
    return { refused: `undecodable (${(error as Error).message.slice(0, 100)})` };
  }
}

/** A request popped from a worker's inbox, checked. */
export function readEnvelope(bytes: Buffer, secret?: Uint8Array): Read<Envelope> {
  const read = readMessage(bytes, 'request', secret);
  return 'refused' in read ? read : checkEnvelope(read.value);
}

/** A reply popped from a session's reply list, checked. */
export function readReply(bytes: Buffer, secret?: Uint8Array): Read<Reply> {
  const read = readMessage(bytes, 'reply', secret);
  return 'refused' in read ? read : checkReply(read.value);
}
