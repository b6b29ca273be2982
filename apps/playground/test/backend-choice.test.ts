import { describe, expect, it } from 'vitest';
import { BACKEND_PREFERENCE, chooseBackendWith, type BackendProbe } from '../src/backend-choice.js';

/** A browser as the choice sees it: what is registered, the WebGPU adapter, what starts. */
function stubBrowser(options: {
  registered?: readonly string[];
  adapter?: boolean;
  starts?: readonly string[];
  throws?: readonly string[];
}) {
  const { registered = BACKEND_PREFERENCE, adapter = false, starts = [], throws = [] } = options;
  const started: string[] = [];
  let adapterRequests = 0;
  const probe: BackendProbe = {
    registered: (name) => registered.includes(name),
    webgpuAdapter: async () => {
      adapterRequests++;
      return adapter;
    },
    start: async (name) => {
      started.push(name);
      if (throws.includes(name)) throw new Error(`${name} cannot start`);
      return starts.includes(name);
    },
  };
  return { probe, started, adapterRequests: () => adapterRequests };
}

describe('the MNIST panel’s tfjs backend', () => {
  it('tries webgpu, webgl, wasm, then cpu', () => {
    expect(BACKEND_PREFERENCE).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  });

  it('takes WebGPU where an adapter is granted and it starts', async () => {
    const browser = stubBrowser({ adapter: true, starts: ['webgpu', 'webgl', 'wasm', 'cpu'] });
    expect(await chooseBackendWith(browser.probe)).toBe('webgpu');
    expect(browser.started).toEqual(['webgpu']);
  });

  it('without an adapter never starts WebGPU (whose failure tfjs logs) and takes WebGL', async () => {
    const browser = stubBrowser({ adapter: false, starts: ['webgpu', 'webgl', 'wasm', 'cpu'] });
    expect(await chooseBackendWith(browser.probe)).toBe('webgl');
    expect(browser.adapterRequests()).toBe(1);
    expect(browser.started).toEqual(['webgl']);
  });

  it('without navigator.gpu (webgpu unregistered) asks for no adapter', async () => {
    const browser = stubBrowser({
      registered: ['webgl', 'wasm', 'cpu'],
      adapter: true,
      starts: ['webgl'],
    });
    expect(await chooseBackendWith(browser.probe)).toBe('webgl');
    expect(browser.adapterRequests()).toBe(0);
  });

  it('falls back to wasm where WebGL does not start or throws, and to cpu after', async () => {
    const refused = stubBrowser({ adapter: true, starts: ['wasm', 'cpu'], throws: ['webgpu'] });
    expect(await chooseBackendWith(refused.probe)).toBe('wasm');
    expect(refused.started).toEqual(['webgpu', 'webgl', 'wasm']);
    const onlyCpu = stubBrowser({ starts: ['cpu'], throws: ['webgl'] });
    expect(await chooseBackendWith(onlyCpu.probe)).toBe('cpu');
    expect(onlyCpu.started).toEqual(['webgl', 'wasm', 'cpu']);
  });

  it('tries only the backend asked for, and says when nothing starts', async () => {
    const browser = stubBrowser({ adapter: true, starts: ['webgpu', 'webgl', 'wasm', 'cpu'] });
    expect(await chooseBackendWith(browser.probe, ['wasm'])).toBe('wasm');
    expect(browser.started).toEqual(['wasm']);
    await expect(chooseBackendWith(stubBrowser({}).probe)).rejects.toThrow(
      'no tfjs backend of webgpu, webgl, wasm, cpu starts here',
    );
    await expect(
      chooseBackendWith(stubBrowser({ adapter: false, starts: ['webgpu'] }).probe, ['webgpu']),
    ).rejects.toThrow('no tfjs backend of webgpu starts here');
  });
});
