import { z } from 'zod';

/**
 * The tfjs backends a Node run can compute on, fastest first where installed: tfjs-node with a
 * GPU, tfjs-node (TensorFlow's own kernels), WebAssembly, the plain JavaScript backend.
 */
export const TENSOR_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type TensorBackend = (typeof TENSOR_BACKENDS)[number];

/**
 * The option of every task that computes with tensors. Backends agree to float32 tolerance, not
 * to the last bit, so a run's backend is part of what decides θ: `auto` is resolved once, at the
 * start, and config.json records the answer, which a resume and every worker then use.
 */
export const tensorBackendOption = z
  .enum(['auto', ...TENSOR_BACKENDS])
  .describe(
    'tfjs backend (auto: the fastest installed for the task; config.json records the one used)',
  )
  .meta({ valueName: 'name' });
