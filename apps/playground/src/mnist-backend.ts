import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/**
 * The tfjs backends the page tries, fastest first: WebGPU (registered only where a
 * `@tensorflow/tfjs-backend-webgpu` import has registered it; the page does not bundle it), WebGL,
 * WebAssembly, plain JavaScript.
 */
export const BACKEND_PREFERENCE = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

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
  for (const name of only ? [only] : BACKEND_PREFERENCE) {
    if (!tf.findBackendFactory(name)) continue;
    try {
      if (await tf.setBackend(name)) return name;
    } catch {
      // A backend that cannot start here (no WebGL context in this worker): try the next.
    }
  }
  throw new Error(`no tfjs backend of ${only ?? BACKEND_PREFERENCE.join(', ')} starts here`);
}
