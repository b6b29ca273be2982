import * as tf from '@tensorflow/tfjs';
import type { InnerUpdateRule } from '@pes/inner-problems';
import type { Reparameterisation } from './reparameterisation.js';

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
