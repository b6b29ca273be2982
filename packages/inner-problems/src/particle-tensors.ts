import * as tf from '@tensorflow/tfjs';

/**
 * The tensors a task keeps per particle, as lists under named fields (a network's weights, its
 * optimizer's buffers). What `reset` and `gather` do to them is the same in every such task, the
 * MNIST task's and @pes/hpo's model tuning alike: these are those operations.
 */
export type ParticleTensors<F extends string> = { [K in F]: tf.Tensor[][] };

/** Particle `p`'s tensors under each field, cloned (the state keeps its own). */
export function copyParticle<F extends string>(
  state: ParticleTensors<F>,
  fields: readonly F[],
  p: number,
): { [K in F]: tf.Tensor[] } {
  const copy = {} as { [K in F]: tf.Tensor[] };
  for (const field of fields) copy[field] = state[field][p]!.map((t) => tf.clone(t));
  return copy;
}

/** The particles at `indices`, in that order, cloned (a task's `gather`). */
export function gatherParticles<F extends string>(
  state: ParticleTensors<F>,
  fields: readonly F[],
  indices: ArrayLike<number>,
): ParticleTensors<F> {
  const gathered = Object.fromEntries(
    fields.map((f) => [f, [] as tf.Tensor[][]]),
  ) as ParticleTensors<F>;
  for (const p of Array.from(indices)) {
    const copy = copyParticle(state, fields, p);
    for (const field of fields) gathered[field].push(copy[field]);
  }
  return gathered;
}

/**
 * Every particle again (a task's `reset`): where `mask` is set, the next of `fresh`'s particles
 * (it holds one per set entry, in order, and they become the result's), elsewhere a clone.
 */
export function resetParticles<F extends string>(
  state: ParticleTensors<F>,
  fields: readonly F[],
  mask: Uint8Array,
  fresh: ParticleTensors<F>,
): ParticleTensors<F> {
  const result = Object.fromEntries(
    fields.map((f) => [f, [] as tf.Tensor[][]]),
  ) as ParticleTensors<F>;
  let next = 0;
  for (let p = 0; p < mask.length; p++) {
    const source = mask[p]
      ? Object.fromEntries(fields.map((f) => [f, fresh[f][next]!]))
      : copyParticle(state, fields, p);
    if (mask[p]) next++;
    for (const field of fields) result[field].push((source as Record<F, tf.Tensor[]>)[field]);
  }
  return result;
}
