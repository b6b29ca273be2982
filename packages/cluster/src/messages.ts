/**
 * The schema of every message read from Redis: a worker's record under its alive key, a request
 * in a worker's inbox, a reply in a session's reply list. Anything that does not match is refused
 * (and counted) by its reader, never acted on: the database is shared, and whoever can write to
 * it can write anything.
 */
import { z } from 'zod';
import type { ClusterRequest, Envelope, Reply, WorkerRecord } from './protocol.js';

/** A shard's index: a run has far fewer shards than this. */
export const MAX_SHARDS = 4096;
/** Session and worker ids (`host-pid-hex`), and version strings. */
const name = z.string().min(1).max(300);
const count = z
  .int()
  .min(0)
  .max(2 ** 31 - 1);
/** A random key: four 32-bit words (signed or not, as the generator leaves them). */
const word = z
  .int()
  .min(-(2 ** 31))
  .max(2 ** 32 - 1);
const key = z.tuple([word, word, word, word]).readonly();
const f64 = z.instanceof(Float64Array);

export const workerRecordSchema = z.strictObject({
  id: name,
  version: name,
  protocol: count,
  host: z.string().max(300),
  pid: count,
  signed: z.boolean().optional(),
}) satisfies z.ZodType<WorkerRecord>;

/** Each operation's request, exactly as the sharded task sends it (no field more or less). */
const requestSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create'), config: z.unknown() }),
  z.strictObject({
    op: z.literal('init'),
    id: count,
    key,
    particles: count,
    stepOffsets: z.instanceof(Int32Array).optional(),
  }),
  z.strictObject({
    op: z.literal('unroll'),
    id: count,
    from: count,
    thetas: f64,
    steps: count,
    key,
    gradient: z.boolean(),
  }),
  z.strictObject({
    op: z.literal('reset'),
    id: count,
    from: count,
    mask: z.instanceof(Uint8Array),
    key,
  }),
  z.strictObject({
    op: z.literal('gather'),
    id: count,
    from: count,
    indices: z.instanceof(Int32Array),
  }),
  z.strictObject({ op: z.literal('snapshot'), from: count }),
  z.strictObject({ op: z.literal('restore'), id: count, snapshot: z.unknown() }),
  z.strictObject({ op: z.literal('dispose'), from: count }),
  z.strictObject({ op: z.literal('snapshot-all') }),
  z.strictObject({
    op: z.literal('restore-all'),
    states: z.array(z.tuple([count, z.unknown()])),
  }),
  z.strictObject({ op: z.literal('evaluate'), theta: f64, key }),
  z.strictObject({ op: z.literal('close') }),
]);

/** A shard's index: one of at most MAX_SHARDS. */
const shardIndex = z
  .int()
  .min(0)
  .max(MAX_SHARDS - 1);

export const envelopeSchema = z.strictObject({
  session: name,
  shard: shardIndex,
  seq: count,
  version: name,
  protocol: count,
  request: requestSchema,
});

export const replySchema = z.strictObject({
  session: name,
  shard: shardIndex,
  seq: count,
  worker: name,
  ok: z.boolean(),
  value: z.unknown().optional(),
  error: z.strictObject({ name: z.string().max(200), message: z.string().max(4000) }).optional(),
  ms: z.number().min(0).max(1e9),
});

/** The value `schema` gives `value`, or why it does not match (zod's first issue, one line). */
export function check<T>(schema: z.ZodType, value: unknown): { value: T } | { refused: string } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { value: parsed.data as T };
  const issue = parsed.error.issues[0]!;
  return { refused: `malformed (${issue.path.join('.') || 'the message'}: ${issue.message})` };
}

export const checkEnvelope = (value: unknown) => check<Envelope>(envelopeSchema, value);
export const checkReply = (value: unknown) => {
  const checked = check<Reply>(replySchema, value);
  if ('value' in checked && !checked.value.ok && !checked.value.error)
    return { refused: 'a failure without its error' };
  return checked;
};
export const checkWorkerRecord = (value: unknown) => check<WorkerRecord>(workerRecordSchema, value);

/**
 * Why `value`, a shard's answer to `request`, is not exactly what the request asks for (lengths
 * and types), or undefined when it is. `dim`: θ's length (from the shard's `create`; unknown
 * before). A short losses array is refused, never padded: the θ of a run comes from these values.
 */
export function resultProblem(
  request: ClusterRequest,
  value: unknown,
  dim: number | undefined,
): string | undefined {
  const is = <T>(schema: z.ZodType<T>) => {
    const r = check<T>(schema, value);
    return 'refused' in r ? r.refused : undefined;
  };
  switch (request.op) {
    case 'create': {
      const problem = is(
        z.object({
          name: z.string(),
          dim: z.int().min(1),
          horizon: z.int().min(0),
          maximize: z.boolean(),
          initialTheta: f64,
          differentiable: z.boolean(),
          unit: z.unknown(),
        }),
      );
      if (problem) return problem;
      const meta = value as { dim: number; initialTheta: Float64Array };
      return meta.initialTheta.length === meta.dim
        ? undefined
        : `initialTheta has ${meta.initialTheta.length} values for dim ${meta.dim}`;
    }
    case 'unroll': {
      const problem = is(
        z.strictObject({
          losses: f64,
          done: z.instanceof(Uint8Array),
          grads: f64.optional(),
        }),
      );
      if (problem) return problem;
      if (dim === undefined) return 'an unroll before the task was built';
      const { losses, done, grads } = value as {
        losses: Float64Array;
        done: Uint8Array;
        grads?: Float64Array;
      };
      const rows = request.thetas.length / dim;
      const cells = rows * request.steps;
      if (losses.length !== cells) return `losses: ${losses.length} values, expected ${cells}`;
      if (done.length !== cells) return `done: ${done.length} values, expected ${cells}`;
      if (request.gradient && grads?.length !== rows * dim)
        return `grads: ${grads?.length ?? 'no'} values, expected ${rows * dim}`;
      if (!request.gradient && grads !== undefined) return 'grads where none was asked for';
      return undefined;
    }
    case 'snapshot-all':
      return is(z.array(z.tuple([count, z.unknown()])));
    case 'evaluate':
      return is(z.record(z.string(), z.number()).and(z.object({ evalLoss: z.number() })));
    case 'snapshot':
      // A task's own snapshot: joined by the sharded task, which checks its parts' layout.
      return undefined;
    default:
      return value === null || value === undefined ? undefined : 'a value where none is due';
  }
}
