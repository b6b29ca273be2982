import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { appRoot } from './helpers.js';

/**
 * Debian's Chromium, driven by playwright-core (which downloads no browser). CI installs the
 * `chromium` package; without it the browser tests are skipped, and say so (`which` names them).
 */
export function findChromium(which: string): string | undefined {
  const found = ['chromium', 'chromium-browser']
    .map((name) => spawnSync('which', [name], { encoding: 'utf8' }).stdout.trim())
    .find(Boolean);
  if (!found) console.warn(`chromium not found: ${which} skipped`);
  return found;
}

/** Where the screenshots are kept: beside the test reports CI collects. */
export const ARTIFACTS = join(appRoot, '../../reports/apps/meta-train/browser');

/** How long a screenshot may take: Chromium on a loaded CI machine can wait long for a frame. */
export const SCREENSHOT_TIMEOUT_MS = 60_000;

/**
 * Keeps a screenshot of the whole page as `name` in ARTIFACTS, for people to look at. It is an
 * artifact, not a check: when Chromium gives no frame in SCREENSHOT_TIMEOUT_MS (the playground's
 * once did not in 30 s, with the other apps' tests on both cores) the test says so and goes on.
 */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  const path = join(ARTIFACTS, name);
  try {
    const image = await page.screenshot({ fullPage: true, timeout: SCREENSHOT_TIMEOUT_MS });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, image);
  } catch (error) {
    if ((error as Error).name !== 'TimeoutError') throw error;
    console.warn(`no screenshot kept at ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
}
