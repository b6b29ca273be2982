import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Messages signed with the cluster's shared secret (`PES_CLUSTER_SECRET` or `--secret-file`,
 * given to the coordinator and its workers out of band): HMAC-SHA256 over the message's bytes,
 * which hold its session, shard, sequence number and worker, so none of them can be changed
 * without the secret. The kind of message (request or reply) is part of what is signed: a request
 * cannot be passed off as a reply. A signed message is `MAGIC`, the 32-byte MAC, then the bytes.
 *
 * Without a secret messages travel as their bytes alone, and a reader with a secret refuses them.
 */
export type MessageKind = 'request' | 'reply';

const MAGIC = Buffer.from('pes-hmac1');
const MAC_BYTES = 32;

function mac(secret: Uint8Array, kind: MessageKind, payload: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`pes-${kind}\0`).update(payload).digest();
}

/** The message as it goes into Redis: signed when there is a secret. */
export function seal(payload: Buffer, kind: MessageKind, secret: Uint8Array | undefined): Buffer {
  if (!secret) return payload;
  return Buffer.concat([MAGIC, mac(secret, kind, payload), payload]);
}

/**
 * The payload of a message read from Redis, or why it is refused: unsigned where a signature is
 * required, signed where none is expected (a secret given to one side only), or badly signed.
 */
export function unseal(
  message: Buffer,
  kind: MessageKind,
  secret: Uint8Array | undefined,
): { payload: Buffer } | { refused: string } {
  const signed =
    message.length >= MAGIC.length + MAC_BYTES && message.subarray(0, MAGIC.length).equals(MAGIC);
  if (!secret)
    return signed ? { refused: 'signed, but this process has no secret' } : { payload: message };
  if (!signed) return { refused: 'unsigned' };
  const given = message.subarray(MAGIC.length, MAGIC.length + MAC_BYTES);
  const payload = message.subarray(MAGIC.length + MAC_BYTES);
  if (!timingSafeEqual(given, mac(secret, kind, payload))) return { refused: 'badly signed' };
  return { payload };
}
