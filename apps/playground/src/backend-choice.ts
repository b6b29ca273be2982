/**
 * The tfjs backends the MNIST panel tries, fastest first: WebGPU, WebGL, WebAssembly, plain
 * JavaScript.
 */
export const BACKEND_PREFERENCE = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** What the choice needs to know of this browser and of tfjs; stubbed in tests. */
export interface BackendProbe {
  /** Whether an import has registered the backend with tfjs. */
  registered(name: string): boolean;
  /**
   * Whether the browser grants a WebGPU adapter (`navigator.gpu` exists and `requestAdapter()`
   * gives one). tfjs's WebGPU backend fails loudly without one, so it is asked first.
   */
  webgpuAdapter(): Promise<boolean>;
  /** Makes the backend active; false (or a throw) where it cannot start here. */
  start(name: string): Promise<boolean>;
}

/**
 * The first backend of `candidates` that is registered, available and starts; it is then
 * active. WebGPU is tried only where an adapter is granted, so that where there is none
 * (headless Chromium, most browsers without a GPU) the fallback writes nothing to the console.
 */
export async function chooseBackendWith(
  probe: BackendProbe,
  candidates: readonly string[] = BACKEND_PREFERENCE,
): Promise<string> {
  for (const name of candidates) {
    if (!probe.registered(name)) continue;
    if (name === 'webgpu' && !(await probe.webgpuAdapter())) continue;
    try {
      if (await probe.start(name)) return name;
    } catch {
      // A backend that cannot start here (no WebGL context in this worker): try the next.
    }
  }
  throw new Error(`no tfjs backend of ${candidates.join(', ')} starts here`);
}
