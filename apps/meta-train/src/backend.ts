import * as tf from '@tensorflow/tfjs';
import { UsageError } from './errors.js';

/**
 * The one place that chooses the tfjs backend: tfjs-node-gpu, then tfjs-node, then
 * WebAssembly, then the plain CPU backend; PES_BACKEND names one to use instead. The node
 * packages are optional: their install downloads libtensorflow from outside the npm registry.
 */
const CANDIDATES = {
  'tensorflow-gpu': { module: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow' },
  tensorflow: { module: '@tensorflow/tfjs-node', backend: 'tensorflow' },
  wasm: { module: '@tensorflow/tfjs-backend-wasm', backend: 'wasm' },
  cpu: { module: undefined, backend: 'cpu' },
} as const;
type Candidate = keyof typeof CANDIDATES;

let chosen: string | undefined;

async function tryCandidate(name: Candidate): Promise<boolean> {
  const { module, backend } = CANDIDATES[name];
  if (module) {
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

/** Chooses and initialises the backend once; returns its name ("wasm", "tensorflow-gpu", …). */
export async function selectBackend(override = process.env.PES_BACKEND): Promise<string> {
  if (chosen) return chosen;
  if (override) {
    if (!(override in CANDIDATES)) {
      throw new UsageError(
        `PES_BACKEND=${override} is not a backend; choose one of ${Object.keys(CANDIDATES).join(', ')}`,
      );
    }
    if (!(await tryCandidate(override as Candidate))) {
      const module = CANDIDATES[override as Candidate].module;
      throw new UsageError(
        `PES_BACKEND=${override}, but ${module ?? 'it'} could not be loaded (see the README on tfjs-node)`,
      );
    }
    return (chosen = override);
  }
  for (const name of Object.keys(CANDIDATES) as Candidate[]) {
    if (await tryCandidate(name)) return (chosen = name);
  }
  throw new Error('no tfjs backend could be initialised');
}
