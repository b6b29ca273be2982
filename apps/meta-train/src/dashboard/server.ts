import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { containedFile, isInside, LeadsOut } from '@pes/runner/node';
// Runs are read through the run store: the dashboard shows what the report would, from the same files.
import { readRun } from '@pes/runner/node';
import { hostCheck } from './allowed-hosts.js';
import { LiveRuns } from './live-runs.js';
import {
  listPage,
  listFragment,
  problemPage,
  runsFragment,
  runsPage,
  type ReadView,
  type RunView,
} from './pages.js';
import { findRuns, runFacts, runState } from './runs.js';

export interface DashboardOptions {
  /** The directory whose runs are served; nothing outside it is. */
  root: string;
  host: string;
  /** 0: a free port. */
  port: number;
  /** How often live pages' runs are looked at for new metric lines (default 500 ms). */
  pollMs?: number;
  /** Host names besides the bound address and loopback that requests may name (--allow-host). */
  allowHosts?: readonly string[];
  /** Event streams served at once (default MAX_EVENT_CLIENTS); the next gets 503. */
  maxEventClients?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * Why a request is refused: 403 for a path that tries to leave the root or a Host this server
 * does not answer to, 503 past the most event streams, 404 for the rest; `reason` is the body.
 */
class Refusal extends Error {
  constructor(
    readonly status: 403 | 404 | 400 | 405 | 503,
    readonly reason = '',
  ) {
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

const HTML = 'text/html; charset=utf-8';

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
  const live = new LiveRuns(root, options.pollMs ?? 500, options.maxEventClients);
  const allowed = hostCheck(options.host, options.allowHosts ?? []);

  /**
   * A run as a page shows it, or the problem that keeps it from being read (a config.json of
   * another program, a link out of the root): one bad row, never a failed page.
   */
  const view = (id: string, dir: string): RunView => {
    try {
      if (!isInside(realpathSync(dir), root)) throw new Error(`${dir} is not inside ${root}`);
      return { id, run: readRun(dir), state: runState(runFacts(dir)), files: readdirSync(dir) };
    } catch (error) {
      return { id, problem: error instanceof Error ? error.message : String(error) };
    }
  };

  /** The runs a request names (`?run=…`), each one the dashboard found under the root. */
  const runsOf = (url: URL): Map<string, string> => {
    const runs = findRuns(root);
    const ids = url.searchParams.getAll('run');
    if (ids.length === 0) throw new Refusal(404);
    return new Map(
      ids.map((id) => {
        const dir = runs.get(id);
        if (!dir) throw new Refusal(404);
        return [id, dir];
      }),
    );
  };
  const viewsOf = (url: URL) => [...runsOf(url)].map(([id, dir]) => view(id, dir));
  const allViews = () => [...findRuns(root)].map(([id, dir]) => view(id, dir));

  /** The run whose id is `parts` (ids may be nested: group/run), and the rest of the path. */
  const runAt = (parts: string[], rest: number): [string, string] => {
    const id = parts.slice(0, parts.length - rest).join('/');
    const dir = findRuns(root).get(id);
    if (!dir) throw new Refusal(404);
    return [id, dir];
  };

  /** A page of runs, or, when one cannot be read, a page that says why (422). */
  const runsHtml = async (response: ServerResponse, views: RunView[], fragment: boolean) => {
    const bad = views.find((v) => v.problem !== undefined);
    if (bad) return send(response, 422, HTML, problemPage(bad));
    const read = views as ReadView[];
    return send(response, 200, HTML, await (fragment ? runsFragment(read) : runsPage(read)));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (!allowed(request.headers.host))
      throw new Refusal(403, 'this dashboard does not answer to that Host (see --allow-host)');
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new Refusal(405);
    const parts = pathParts(request.url ?? '/');
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const html = (body: string) => send(response, 200, HTML, body);
    const [route, ...rest] = parts;
    if (route === undefined) return html(listPage(root, allViews()));
    if (route === 'fragment' && rest.length === 0) {
      if (!url.searchParams.has('run')) return html(listFragment(allViews()));
      return runsHtml(response, viewsOf(url), true);
    }
    if (route === 'compare' && rest.length === 0) return runsHtml(response, viewsOf(url), false);
    if (route === 'run' && rest.length > 0) {
      const [id, dir] = runAt(rest, 0);
      return runsHtml(response, [view(id, dir)], false);
    }
    if (route === 'file' && rest.length > 1)
      return sendFile(response, root, runAt(rest, 1)[1], rest.at(-1)!);
    if (route === 'events' && rest.length === 0) return events(response, url);
    throw new Refusal(404);
  };

  /**
   * Server-sent events: `metrics` with the lines appended to each watched run's metrics.jsonl
   * since the last look, `state` when a run's state changes (or a run appears), `skipped` when
   * a line too long to be a run's was skipped. Every stream is served by the one LiveRuns.
   */
  const events = (response: ServerResponse, url: URL) => {
    const everyRun = !url.searchParams.has('run');
    const runs = everyRun ? findRuns(root) : runsOf(url);
    if (live.clients >= live.maxClients)
      throw new Refusal(503, `this dashboard serves at most ${live.maxClients} live pages`);
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.write('retry: 2000\n\n');
    live.add(response, runs, everyRun);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.end();
      if (error instanceof Refusal) {
        const body = `${error.status}${error.reason ? `: ${error.reason}` : ''}\n`;
        return send(response, error.status, 'text/plain; charset=utf-8', body);
      }
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
        live.close();
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
  let real: string | undefined;
  try {
    // A symbolic link that leads out of the root is refused like a `..`.
    real = containedFile(join(dir, name), root);
  } catch (error) {
    throw new Refusal(error instanceof LeadsOut ? 403 : 404);
  }
  if (!real) throw new Refusal(404);
  send(
    response,
    200,
    CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    readFileSync(real),
  );
}
