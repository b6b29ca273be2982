import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { runSettingsSchema } from '@pes/core';
import { decodeDigits, MNIST_ASSET } from '../src/mnist-digits.js';
import type { MnistResult } from '../src/mnist-panel.js';
import {
  createMnistRun,
  MNIST_PAGE_SETTINGS,
  mnistFinished,
  stepMnistRun,
} from '../src/mnist-training.js';
import { thetaBits } from '../src/training.js';
import {
  ARTIFACTS,
  findChromium,
  keepScreenshot,
  SCREENSHOT_TIMEOUT_MS,
  serve,
  type Site,
} from './chromium-site.js';

const CHROMIUM = findChromium('the MNIST panel browser test is');

/** Enough outer iterations for the schedule's learning rate to climb (outer Adam, 0.1). */
const ITERATIONS = 12;
/** Chromium's software WebGL on a shared CPU trains slowly: room for it. */
const PAGE_TIMEOUT_MS = 300_000;
/** A page's test: the page, its screenshot, and Node's run to compare with. */
const TEST_TIMEOUT_MS = PAGE_TIMEOUT_MS + SCREENSHOT_TIMEOUT_MS + 60_000;

const appRoot = join(import.meta.dirname, '..');

/**
 * The θ the page's worker ends with after `iterations` on the wasm backend (seed 0, as the test
 * mode asks), computed here in Node from the same asset and the same construction.
 */
async function nodeWasmTheta(iterations: number): Promise<number[]> {
  const previous = tf.getBackend();
  await tf.setBackend('wasm');
  try {
    const data = await decodeDigits(readFileSync(join(appRoot, 'public', MNIST_ASSET)));
    const settings = runSettingsSchema.parse({
      ...MNIST_PAGE_SETTINGS,
      iterations,
      evalEvery: iterations,
      seed: 0,
    });
    let run = createMnistRun(data, settings);
    while (!mnistFinished(run)) run = stepMnistRun(run).run;
    const theta = Array.from(run.state.theta);
    run.trainer.dispose(run.state);
    return theta;
  } finally {
    if (previous) await tf.setBackend(previous);
  }
}

describe.skipIf(!CHROMIUM)('the MNIST panel in Chromium', () => {
  let site: Site;
  let browser: Browser;
  const outDir = mkdtempSync(join(tmpdir(), 'pes-playground-mnist-'));

  beforeAll(async () => {
    await build({
      configFile: join(appRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir },
    });
    site = await serve(outDir);
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      // WebGL on SwiftShader, Chromium's software renderer, where no GPU is.
      args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  /** The first test's run, on the backend Chromium offers (WebGL here). */
  let offered: MnistResult | undefined;

  /**
   * The page in test mode with `query`, until the run has finished: its result, its backend line,
   * the console's errors and the requests that failed. Keeps the plot and a screenshot.
   */
  async function trainPage(query: string, artifact: string, on: Browser = browser) {
    const page = await on.newPage();
    const errors: string[] = [];
    const messages: string[] = [];
    // The page's console has its workers' messages too (where the backend is chosen).
    page.on('console', (m) => {
      messages.push(`${m.type()}: ${m.text()}`);
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    // The page has no icon; Chromium asks for one anyway.
    const missing: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') missing.push(r.url());
    });
    await page.goto(`${site.url}?mnist-autorun=1&seed=0&image=1&${query}`);
    await page.waitForSelector('#result[data-done="true"]', {
      state: 'attached',
      timeout: PAGE_TIMEOUT_MS,
    });
    const text = (await page.locator('#result').textContent()) ?? '{}';
    const result = JSON.parse(text) as MnistResult & { image: string };
    const backendLine = await page.locator('#mnist-lr-schedule .backend').textContent();
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(
      join(ARTIFACTS, `${artifact}-schedule.png`),
      Buffer.from(result.image.replace(/^data:image\/png;base64,/, ''), 'base64'),
    );
    await keepScreenshot(page, join(ARTIFACTS, `${artifact}-page.png`));
    await page.close();
    console.log(
      `MNIST panel in Chromium (${query}): ${backendLine}; θ = [${result.theta.join(', ')}]; ` +
        `validation accuracy ` +
        `${result.accuracyBefore} → ${result.accuracyAfter} after ${result.iterations} iterations`,
    );
    console.log(`console of ${query}: ${JSON.stringify(messages)}`);
    return { result, backendLine, errors, missing, messages };
  }

  /**
   * Trained without errors on `backend` in the formulation `auto` picks there, and better; the
   * console quiet, warnings too (tfjs warns of a backend it failed to start).
   */
  function expectTrained(trained: Awaited<ReturnType<typeof trainPage>>) {
    const { result, backendLine, errors, missing, messages } = trained;
    expect(missing).toEqual([]);
    expect(errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
    expect(messages.filter((m) => !m.startsWith('error: Failed to load resource'))).toEqual([]);
    expect(backendLine).toContain(`tfjs ${result.backend}`);
    expect(result.formulation).toBe(
      ['webgpu', 'webgl'].includes(result.backend) ? 'batched' : 'per-particle',
    );
    expect(result.iterations).toBe(ITERATIONS);
    expect(Number.isFinite(result.accuracyBefore)).toBe(true);
    expect(result.accuracyAfter!).toBeGreaterThan(result.accuracyBefore!);
  }

  it(
    'trains on the backend Chromium offers, and the validation accuracy rises',
    async () => {
      const trained = await trainPage(`iterations=${ITERATIONS}`, 'mnist');
      offered = trained.result;
      expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(trained.result.backend);
      // Headless Chromium without a GPU has navigator.gpu but grants no adapter: the page passes
      // over WebGPU (expectTrained: without a word on the console) and takes SwiftShader's WebGL.
      expectTrained(trained);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'trains on WebAssembly, the fallback where WebGL does not start, per particle',
    async () => {
      const trained = await trainPage(`iterations=${ITERATIONS}&backend=wasm`, 'mnist-wasm');
      expect(trained.result.backend).toBe('wasm');
      expectTrained(trained);
      // WebAssembly runs the same compiled kernels in every engine, and every number that reaches
      // θ outside them is @pes/core's: Chromium's θ is Node's, on the same digits, bit for bit.
      const node = await nodeWasmTheta(trained.result.iterations);
      expect(thetaBits(trained.result.theta)).toEqual(thetaBits(node));
      // Batched on WebGL and per particle on wasm are one computation, summed in other orders.
      if (offered && offered.backend !== 'wasm') {
        trained.result.theta.forEach((t, i) => expect(t).toBeCloseTo(offered!.theta[i]!, 5));
        expect(trained.result.accuracyAfter).toBeCloseTo(offered.accuracyAfter!, 2);
      }
    },
    TEST_TIMEOUT_MS,
  );

  /**
   * With --enable-unsafe-webgpu this Chromium grants SwiftShader's adapter (WebGPU on the CPU):
   * the page must then choose WebGPU, quietly. Only the choice is checked: training on
   * SwiftShader's WebGPU fails here inside tfjs ("createBuffer failed, size (156800) is too large
   * for the implementation when mappedAtCreation == true", during the first evaluation).
   */
  it('chooses WebGPU where Chromium grants an adapter (SwiftShader’s, with --enable-unsafe-webgpu)', async () => {
    const gpuBrowser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
      ],
    });
    try {
      const page = await gpuBrowser.newPage();
      const messages: string[] = [];
      page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
      await page.goto(`${site.url}?mnist-autorun=1&seed=0&iterations=1`);
      const line = page.locator('#mnist-lr-schedule .backend');
      await page.waitForFunction(
        () => /tfjs \w+/.test(document.querySelector('#mnist-lr-schedule .backend')!.textContent!),
        undefined,
        { timeout: 60_000 },
      );
      const backendLine = await line.textContent();
      console.log(`MNIST panel in Chromium with WebGPU: ${backendLine}`);
      expect(backendLine).toContain('tfjs webgpu (batched formulation)');
      expect(messages).toEqual([]);
      await page.close();
    } finally {
      await gpuBrowser.close();
    }
  }, 120_000);
});
