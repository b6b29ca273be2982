import * as tf from '@tensorflow/tfjs';
import { exp, foldIn, type Key, log, uniform } from '@pes/core';
import type { InnerUpdateRule } from '@pes/inner-problems';

/**
 * Random reparameterisation of an inner problem (learned_optimization's task augmentations,
 * used by Celo2 and VeLO): the learned optimizer trains w′ = w / s_p (one scale per parameter
 * tensor) on the loss s_L · L(s_p · w′), while the problem, its network and its reported loss
 * stay as they are. A learned optimizer meta-trained over such draws cannot lean on the scale of
 * the parameters or of the loss that one family happens to have.
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

/**
 * The rule as it acts on the reparameterised problem: it sees w′ = w / s_p and the gradient
 * ∂(s_L L)/∂w′ = s_L · s_p · ∂L/∂w, and its update Δw′ moves w by s_p · Δw′. Its state is kept
 * in the w′ coordinates, as the rule made it.
 */
export function reparameterisedRule(
  rule: InnerUpdateRule,
  { lossScale, paramScales }: Reparameterisation,
): InnerUpdateRule {
  return {
    name: `${rule.name}, reparameterised`,
    dim: rule.dim,
    initialTheta: () => rule.initialTheta(),
    init: (params) => tf.tidy(() => rule.init(params.map((p, i) => tf.div(p, paramScales[i]!)))),
    optimizer(theta) {
      const optimizer = rule.optimizer(theta);
      return {
        name: optimizer.name,
        init: (params) =>
          tf.tidy(() => optimizer.init(params.map((p, i) => tf.div(p, paramScales[i]!)))),
        update(grads, state, params, step) {
          const r = optimizer.update(
            grads.map((g, i) => tf.mul(g, lossScale * paramScales[i]!)),
            state,
            params.map((p, i) => tf.div(p, paramScales[i]!)),
            step,
          );
          return { updates: r.updates.map((u, i) => tf.mul(u, paramScales[i]!)), state: r.state };
        },
      };
    },
  };
}
