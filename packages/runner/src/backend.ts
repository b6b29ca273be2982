import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { TENSOR_BACKENDS, type TensorBackend } from '@pes/core';
import { UsageError } from './errors.js';

/**
 * The one place that chooses the tfjs backend: tfjs-node-gpu, then tfjs-node, then WebAssembly,
 * then the plain CPU backend; PES_BACKEND names one to use instead. The node packages are
 * optional: `npm run setup:native` builds them against TensorFlow's own library.
 */
const CANDIDATES: Record<TensorBackend, { module?: string; backend: string }> = {
  'tensorflow-gpu': { module: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow' },
  tensorflow: { module: '@tensorflow/tfjs-node', backend: 'tensorflow' },
  wasm: { module: '@tensorflow/tfjs-backend-wasm', backend: 'wasm' },
  cpu: { backend: 'cpu' },
};

let chosen: TensorBackend | undefined;

/**
 * TensorFlow reads its thread counts when tfjs-node is first imported, from the environment: one
 * intra-op pool of `threads` for each op (a process's share of the cores), and one inter-op
 * thread, since tfjs runs one op at a time. Its start-up log lines go too. A value the user set
 * is kept.
 */
function configureTensorFlow(threads: number): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_NUM_INTRAOP_THREADS ??= String(threads);
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
}

async function tryCandidate(name: TensorBackend, threads: number): Promise<boolean> {
  const { module, backend } = CANDIDATES[name];
  if (module) {
    if (backend === 'tensorflow') configureTensorFlow(threads);
    try {
      await import(module);
    } catch {
      return false;
    }
  }
  try {
    if (!(await tf.setBackend(backend))) return false;
    await tf.ready();
    // The wasm backend lacks conv2d's filter gradient and has a wrong max-pool gradient: ours
    // (tested equal to the cpu backend's) let conv nets train there.
    if (backend === 'wasm') (await import('@pes/inner-problems')).registerWasmConvGradients();
    return true;
  } catch {
    return false;
  }
}

const isBackend = (name: string): name is TensorBackend =>
  (TENSOR_BACKENDS as readonly string[]).includes(name);

export interface BackendRequest {
  /** A backend by name, or `auto` (PES_BACKEND's if set, else the fastest installed). */
  requested?: string;
  /** With `auto`: WebAssembly first, for a task measured faster there (`TaskSpec.preferredBackend`). */
  preferWasm?: boolean;
  /** TensorFlow's intra-op threads in this process: its share of the cores. */
  threads?: number;
}

/**
 * Chooses and initialises the backend once per process; returns its name ("wasm",
 * "tensorflow", …). Later calls return the first choice.
 */
export async function selectBackend({
  requested = 'auto',
  preferWasm = false,
  threads = availableParallelism(),
}: BackendRequest = {}): Promise<TensorBackend> {
  if (chosen) return chosen;
  const name = requested === 'auto' ? process.env.PES_BACKEND || undefined : requested;
  const source = requested === 'auto' ? `PES_BACKEND=${name}` : `--backend ${name}`;
  if (name !== undefined) {
    if (!isBackend(name))
      throw new UsageError(
        `${source} is not a backend; choose one of ${TENSOR_BACKENDS.join(', ')}`,
      );
    if (!(await tryCandidate(name, threads))) {
      const module = CANDIDATES[name].module;
      throw new UsageError(
        `${source}, but ${module ?? 'it'} could not be loaded${module?.includes('node') ? ' (npm run setup:native builds it)' : ''}`,
      );
    }
    return (chosen = name);
  }
  const order: TensorBackend[] = preferWasm
    ? ['wasm', ...TENSOR_BACKENDS.filter((b) => b !== 'wasm')]
    : [...TENSOR_BACKENDS];
  for (const candidate of order)
    if (await tryCandidate(candidate, threads)) return (chosen = candidate);
  throw new Error('no tfjs backend could be initialised');
}
