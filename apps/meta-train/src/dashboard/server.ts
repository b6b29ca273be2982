import {
  closeSync,
  openSync,
  readSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';
// Runs are read through the run store: the dashboard shows what the report would, from the same files.
import { listPage, listFragment, runsFragment, runsPage, type RunView } from './pages.js';
import { findRuns, runFacts, runState, type RunState } from './runs.js';
import { readRun, runFile } from '@pes/runner/node';

export interface DashboardOptions {
  /** The directory whose runs are served; nothing outside it is. */
  root: string;
  host: string;
  /** 0: a free port. */
  port: number;
  /** How often live pages' runs are looked at for new metric lines (default 500 ms). */
  pollMs?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/** Why a request is refused: 403 for a path that tries to leave the root, 404 for the rest. */
class Refusal extends Error {
  constructor(readonly status: 403 | 404 | 400 | 405) {
    super(String(status));
  }
}

/**
 * The parts of a request's path, decoded one by one. A part that names a parent or the
 * current directory, or hides a separator, is refused before anything looks at the disk,
 * whether it came plain (`..`) or encoded (`%2e%2e`, `..%2f`).
 */
export function pathParts(rawUrl: string): string[] {
  const path = rawUrl.split('?')[0]!;
  return path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(part);
      } catch {
        throw new Refusal(400);
      }
      if (decoded === '..' || decoded === '.' || /[/\\\0]/.test(decoded)) throw new Refusal(403);
      return decoded;
    });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/plain; charset=utf-8',
};

/** `pes dashboard`: an HTTP server over the runs under `root`, read-only. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const root = realpathSync(options.root);
  const pollMs = options.pollMs ?? 500;
  const clients = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();

  const view = (id: string, dir: string): RunView => ({
    id,
    run: readRun(dir),
    state: runState(runFacts(dir)),
    files: readdirSync(dir),
  });

  /** The runs a request names (`?run=…`), each one the dashboard found under the root. */
  const viewsOf = (url: URL): RunView[] => {
    const runs = findRuns(root);
    const ids = url.searchParams.getAll('run');
    if (ids.length === 0) throw new Refusal(404);
    return ids.map((id) => {
      const dir = runs.get(id);
      if (!dir) throw new Refusal(404);
      return view(id, dir);
    });
  };
  const allViews = () => [...findRuns(root)].map(([id, dir]) => view(id, dir));

  /** The run whose id is `parts` (ids may be nested: group/run), and the rest of the path. */
  const runAt = (parts: string[], rest: number): [string, string] => {
    const id = parts.slice(0, parts.length - rest).join('/');
    const dir = findRuns(root).get(id);
    if (!dir) throw new Refusal(404);
    return [id, dir];
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new Refusal(405);
    const parts = pathParts(request.url ?? '/');
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const html = (body: string) => send(response, 200, 'text/html; charset=utf-8', body);
    const [route, ...rest] = parts;
    if (route === undefined) return html(listPage(root, allViews()));
    if (route === 'fragment' && rest.length === 0) {
      return html(
        url.searchParams.has('run') ? await runsFragment(viewsOf(url)) : listFragment(allViews()),
      );
    }
    if (route === 'compare' && rest.length === 0) return html(await runsPage(viewsOf(url)));
    if (route === 'run' && rest.length > 0) {
      const [id, dir] = runAt(rest, 0);
      return html(await runsPage([view(id, dir)]));
    }
    if (route === 'file' && rest.length > 1)
      return sendFile(response, root, runAt(rest, 1)[1], rest.at(-1)!);
    if (route === 'events' && rest.length === 0) return events(request, response, url);
    throw new Refusal(404);
  };

  /**
   * Server-sent events: `metrics` with the lines appended to each watched run's metrics.jsonl
   * since the last look, `state` when a run's state changes (or a run appears).
   */
  const events = (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const named = url.searchParams.getAll('run');
    const watched = () => {
      const runs = findRuns(root);
      return named.length === 0
        ? runs
        : new Map(named.flatMap((id) => (runs.has(id) ? [[id, runs.get(id)!]] : [])));
    };
    if (named.length > 0 && watched().size === 0) throw new Refusal(404);
    const offsets = new Map<string, number>();
    const pendingText = new Map<string, string>();
    const states = new Map<string, RunState>();
    for (const [id, dir] of watched()) {
      offsets.set(id, sizeOf(runFile(dir, 'metrics')));
      states.set(id, runState(runFacts(dir)));
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.write('retry: 2000\n\n');
    const send = (event: string, data: unknown) =>
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const tick = () => {
      for (const [id, dir] of watched()) {
        const file = runFile(dir, 'metrics');
        const size = sizeOf(file);
        const offset = offsets.get(id) ?? 0;
        if (size < offset) {
          // Truncated by a resume: the client refetches the whole run.
          pendingText.delete(id);
          send('state', { run: id, state: runState(runFacts(dir)), reset: true });
        } else if (size > offset) {
          const text = (pendingText.get(id) ?? '') + readRange(file, offset, size);
          const cut = text.lastIndexOf('\n') + 1;
          pendingText.set(id, text.slice(cut));
          const lines = text
            .slice(0, cut)
            .split('\n')
            .filter(Boolean)
            .flatMap((line) => {
              try {
                return [JSON.parse(line) as unknown];
              } catch {
                return [];
              }
            });
          if (lines.length > 0) send('metrics', { run: id, lines });
        }
        offsets.set(id, size);
        const state = runState(runFacts(dir));
        if (states.get(id) !== state) send('state', { run: id, state });
        states.set(id, state);
      }
    };
    const timer = setInterval(() => {
      try {
        tick();
      } catch {
        // A run directory removed mid-look: the next tick sees the new listing.
      }
    }, pollMs);
    timers.add(timer);
    clients.add(response);
    request.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
      clients.delete(response);
    });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.end();
      if (error instanceof Refusal)
        return send(response, error.status, 'text/plain; charset=utf-8', `${error.status}\n`);
      // A run's file torn mid-write, or anything else: this request fails, the server stays up.
      const message = error instanceof Error ? error.message : String(error);
      send(response, 500, 'text/plain; charset=utf-8', `${message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const client of clients) client.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer) {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** A plain file directly inside a run directory, found by listing it, never by joining a path. */
function sendFile(response: ServerResponse, root: string, dir: string, name: string) {
  if (!readdirSync(dir).includes(name)) throw new Refusal(404);
  const file = join(dir, name);
  // A symbolic link that leads out of the root is refused like a `..`.
  const real = realpathSync(file);
  if (!real.startsWith(root + sep)) throw new Refusal(403);
  if (!statSync(real).isFile()) throw new Refusal(404);
  send(
    response,
    200,
    CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    readFileSync(real),
  );
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Bytes [from, to) of a file, opened read-only. */
function readRange(file: string, from: number, to: number): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const n = readSync(fd, buffer, 0, buffer.length, from);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
