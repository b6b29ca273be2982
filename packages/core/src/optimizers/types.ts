/**
 * An optimizer as a pure pair, the optax way: `init(params) → state` and
 * `update(grads, state, params) → [updates, state]`. Updates are added to the parameters
 * (`applyUpdates`); states are plain records of numbers and typed arrays, so they go into
 * checkpoints as they are. Nothing is mutated.
 */
export interface GradientTransformation<S = unknown> {
  init(params: Float64Array): S;
  update(grads: Float64Array, state: S, params: Float64Array): [Float64Array, S];
  /**
   * A state read back from a checkpoint, checked: throws a one-line message naming what is
   * missing. Absent where any state the transform wrote is good as it is.
   */
  restore?(snapshot: unknown): S;
}

/** params + updates, as a new array. */
export function applyUpdates(params: Float64Array, updates: Float64Array): Float64Array {
  const next = new Float64Array(params.length);
  for (let i = 0; i < params.length; i++) next[i] = params[i]! + updates[i]!;
  return next;
}
