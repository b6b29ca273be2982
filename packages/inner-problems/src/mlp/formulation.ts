import * as tf from '@tensorflow/tfjs';
import type { FORMULATION_CHOICES } from './options.js';

/**
 * How an image task steps its particles' networks:
 * - `per-particle`: one small network per particle, plain 2-D matMuls with explicit transposes,
 *   the form that reaches XNNPACK on WebAssembly (docs/performance.md);
 * - `batched`: the particles' weights stacked as [N, in, out] and every step one batched matMul
 *   per layer for all particles, fewer kernel launches, which GPU backends and tfjs-node want;
 * - `auto`: batched on the backends named in `BATCHED_BACKENDS`, per-particle elsewhere (wasm,
 *   cpu), so that the figures of those backends stay bit for bit what they were.
 * Both give every particle its own θ row, the same minibatches and the same resets; they agree
 * to float32 tolerance, not bit for bit (the sums inside a batched matMul run in another order).
 */
export type Formulation = (typeof FORMULATION_CHOICES)[number];

/** tfjs backends whose batched matMul beats a loop of small ones (tfjs-node, WebGL, WebGPU). */
export const BATCHED_BACKENDS: readonly string[] = ['tensorflow', 'webgl', 'webgpu'];

/** The formulation `formulation` means on `backend` (the active tfjs backend by default). */
export function resolveFormulation(
  formulation: Formulation = 'auto',
  backend: string = tf.getBackend(),
): 'per-particle' | 'batched' {
  if (formulation !== 'auto') return formulation;
  return BATCHED_BACKENDS.includes(backend) ? 'batched' : 'per-particle';
}
