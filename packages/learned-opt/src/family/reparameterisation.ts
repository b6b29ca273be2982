import { exp, foldIn, type Key, log, uniform } from '@pes/core';

// No tensors here: task-family.ts draws the scales, and the task registry reads it without tfjs.

/**
 * Random reparameterisation of an inner problem (after learned_optimization's task
 * augmentations; Celo2 was meta-trained with it): the learned optimizer trains w′ = w / s_p (one
 * scale per parameter tensor) on the loss s_L · L(s_p · w′), while the problem, its network and
 * its reported loss stay as they are (reparameterised-rule.ts). A learned optimizer
 * meta-trained over such draws cannot lean on the scale of the parameters or of the loss that
 * one family happens to have.
 */
export interface Reparameterisation {
  lossScale: number;
  /** One per parameter tensor, in the network's order (W1, b1, W2, b2, …). */
  paramScales: number[];
}

/** Log-uniform ranges of the scales a family draws (a setting of the family). */
export interface ReparameterisationRange {
  lossScale: { min: number; max: number };
  paramScale: { min: number; max: number };
}

/** Salt of the key the scales are drawn from, apart from the member's other draws. */
const REPARAMETERISATION = 0x72_65_70; // "rep"

const logUniform = (u: number, { min, max }: { min: number; max: number }) =>
  exp(log(min) + u * (log(max) - log(min)));

/** The scales for a network of `tensors` parameter tensors, drawn from `key`. */
export function sampleReparameterisation(
  range: ReparameterisationRange,
  tensors: number,
  key: Key,
): Reparameterisation {
  const u = uniform(foldIn(key, REPARAMETERISATION), 1 + tensors);
  return {
    lossScale: logUniform(u[0]!, range.lossScale),
    paramScales: Array.from({ length: tensors }, (_, i) => logUniform(u[1 + i]!, range.paramScale)),
  };
}
