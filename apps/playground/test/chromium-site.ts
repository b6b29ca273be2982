import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import type { Page } from 'playwright-core';

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

/** Where the plots the pages drew and their screenshots are kept: beside the reports CI collects. */
export const ARTIFACTS = join(import.meta.dirname, '../../../reports/apps/playground/browser');

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
};

export interface Site {
  server: Server;
  url: string;
  /** The body of the next POST to /result: the page's test mode posts its final θ there. */
  result: () => Promise<string>;
}

/** A static server of `root` on a free loopback port, with the /result endpoint above. */
export function serve(root: string): Promise<Site> {
  const waiting: ((body: string) => void)[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'POST' && path === '/result') {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        response.end();
        waiting.shift()?.(body);
      });
      return;
    }
    // The site has no icon; Chromium's request for one would be a 404 on the page's console.
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        result: () => new Promise((r) => waiting.push(r)),
      }),
    ),
  );
}

/** How long a screenshot may take: Chromium on a loaded CI machine can wait long for a frame. */
export const SCREENSHOT_TIMEOUT_MS = 60_000;

/**
 * Keeps a screenshot of the whole page at `path`, for people to look at. It is an artifact, not a
 * check: when Chromium gives no frame in SCREENSHOT_TIMEOUT_MS (it once did not in 30 s, with the
 * other apps' tests on both cores) the test says so and goes on to its assertions.
 */
export async function keepScreenshot(
  page: Page,
  path: string,
  timeout = SCREENSHOT_TIMEOUT_MS,
): Promise<void> {
  try {
    const image = await page.screenshot({ fullPage: true, timeout });
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, image);
  } catch (error) {
    if ((error as Error).name !== 'TimeoutError') throw error;
    console.warn(`no screenshot kept at ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
}
