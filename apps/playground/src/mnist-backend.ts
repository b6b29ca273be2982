import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
// Registers 'webgpu' with tfjs where the browser has `navigator.gpu` (nowhere else).
import '@tensorflow/tfjs-backend-webgpu';
import { BACKEND_PREFERENCE, chooseBackendWith, type BackendProbe } from './backend-choice.js';

/** `navigator.gpu`, as much of it as the choice uses (the page's lib has no WebGPU types). */
type Gpu = { requestAdapter(): Promise<unknown> } | undefined;

/** This worker's tfjs and browser, as the backend choice sees them. */
const workerProbe: BackendProbe = {
  registered: (name) => Boolean(tf.findBackendFactory(name)),
  async webgpuAdapter() {
    const gpu = (globalThis.navigator as { gpu?: Gpu } | undefined)?.gpu;
    if (!gpu) return false;
    try {
      return (await gpu.requestAdapter()) !== null;
    } catch {
      return false;
    }
  },
  start: (name) => tf.setBackend(name),
};

/**
 * The first backend of `BACKEND_PREFERENCE` this browser can start (of `only`, when given:
 * the test mode's `backend=wasm`); it is then active.
 */
export async function chooseBackend(only?: string): Promise<string> {
  // Vite serves the WebAssembly binaries as assets of the build, under hashed names.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasm,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
  });
  return chooseBackendWith(workerProbe, only ? [only] : BACKEND_PREFERENCE);
}
