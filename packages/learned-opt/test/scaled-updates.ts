import * as tf from '@tensorflow/tfjs';
import { makeKey, normal } from '@pes/core';
import { normalizedLopt, type NormalizedLoptSettings } from '../src/index.js';

/**
 * The normalised learned optimizer's updates at its second step, as plain arrays: parameters of
 * `shapes` drawn from keys `paramKey + i`, gradients of step s from `gradientKey(s, i)`, a
 * learning rate of 1e-3 and the scales in `settings`. The width- and depth-scale tests compare
 * these with and without a scale.
 */
export function secondStepUpdates(
  theta: Float64Array,
  shapes: readonly (readonly number[])[],
  keys: { paramKey: number; gradientKey: (step: number, i: number) => number },
  settings: Omit<NormalizedLoptSettings, 'learningRate'>,
): number[][] {
  const optimizer = normalizedLopt({ learningRate: 1e-3, ...settings }).optimizer(theta);
  const p = shapes.map((shape, i) =>
    tf.tensor(
      Float32Array.from(normal(makeKey(keys.paramKey + i), tf.util.sizeFromShape([...shape]))),
      [...shape],
    ),
  );
  let state = optimizer.init(p);
  let out: number[][] = [];
  for (let step = 0; step < 2; step++) {
    const g = p.map((x, i) =>
      tf.tensor(Float32Array.from(normal(makeKey(keys.gradientKey(step, i)), x.size)), x.shape),
    );
    const r = tf.tidy(() => optimizer.update(g, state, p, step));
    out = r.updates.map((u) => Array.from(u.dataSync()));
    tf.dispose([...g, ...state, ...r.updates]);
    state = r.state;
  }
  tf.dispose([...state, ...p]);
  return out;
}
