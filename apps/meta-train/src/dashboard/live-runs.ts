import { statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { findRuns, runFacts, runState, type RunState } from './runs.js';
import { containedFile, LineSplitter, MAX_LINE_BYTES, readLines, runFile } from '@pes/runner/node';

/** How many event streams are served at once (default); the next is refused with 503. */
export const MAX_EVENT_CLIENTS = 256;

/**
 * Bytes an event stream may have waiting to be sent (a client that stopped reading): past
 * this it is closed (a browser reconnects and refetches the page), so it holds no memory.
 */
const MAX_UNSENT_BYTES = 4 * 2 ** 20;

/** One run looked at for every client that watches it: one offset, one reader, one state. */
interface Watch {
  dir: string;
  offset: number;
  splitter: LineSplitter;
  /** Its state at the last look (undefined: not yet sent for a run that appeared). */
  state: RunState | undefined;
  /** Clients that named this run (those that watch every run are in `LiveRuns.everyRun`). */
  clients: Set<ServerResponse>;
}

/**
 * The runs that live pages watch, each looked at once per tick, however many pages watch it:
 * one timer for the server, one stat and one read of new bytes per run, and each event
 * formatted once and written to every client of the run. Lines are read through a
 * LineSplitter, so a line longer than MAX_LINE_BYTES is skipped (and said so) without being
 * held, and metrics.jsonl is read only where it lies inside the root (a link out is not).
 */
export class LiveRuns {
  private readonly watches = new Map<string, Watch>();
  private readonly everyRun = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;
  private clientCount = 0;

  constructor(
    private readonly root: string,
    pollMs: number,
    readonly maxClients = MAX_EVENT_CLIENTS,
  ) {
    this.timer = setInterval(() => this.tick(), pollMs);
    this.timer.unref();
  }

  get clients(): number {
    return this.clientCount;
  }

  /** How many runs are looked at each tick: one per run, however many clients watch it. */
  get watchedRuns(): number {
    return this.watches.size;
  }

  /**
   * Adds an event stream for the runs `ids` (every run when empty, as the list page asks);
   * false when the server already serves its most. Its events start with the next change.
   */
  add(response: ServerResponse, runs: Map<string, string>, everyRun: boolean): boolean {
    if (this.clientCount >= this.maxClients) return false;
    this.clientCount++;
    if (everyRun) this.everyRun.add(response);
    for (const [id, dir] of runs) this.watchOf(id, dir).clients.add(response);
    response.on('close', () => {
      this.clientCount--;
      this.everyRun.delete(response);
      for (const [id, watch] of this.watches) {
        watch.clients.delete(response);
        if (watch.clients.size === 0 && this.everyRun.size === 0) this.watches.delete(id);
      }
    });
    return true;
  }

  close(): void {
    clearInterval(this.timer);
    for (const response of this.everyRun) response.end();
    for (const watch of this.watches.values()) for (const response of watch.clients) response.end();
  }

  /** The watch of a run, made if there is none; `appeared`: its state is sent at the next look. */
  private watchOf(id: string, dir: string, appeared = false): Watch {
    let watch = this.watches.get(id);
    if (!watch) {
      watch = {
        dir,
        offset: this.sizeOf(dir),
        splitter: new LineSplitter(),
        state: appeared ? undefined : runState(runFacts(dir)),
        clients: new Set(),
      };
      this.watches.set(id, watch);
    }
    return watch;
  }

  private tick(): void {
    if (this.everyRun.size > 0) {
      const runs = findRuns(this.root);
      // A run that appeared since the last tick is watched from its current end, its state news.
      for (const [id, dir] of runs) if (!this.watches.has(id)) this.watchOf(id, dir, true);
      for (const [id, watch] of this.watches)
        if (!runs.has(id) && watch.clients.size === 0) this.watches.delete(id);
    }
    for (const [id, watch] of this.watches) {
      try {
        this.look(id, watch);
      } catch {
        // A run directory removed mid-look: the next tick sees the new listing.
      }
    }
  }

  private look(id: string, watch: Watch): void {
    const size = this.sizeOf(watch.dir);
    if (size < watch.offset) {
      // Truncated by a resume: the client refetches the whole run.
      watch.splitter = new LineSplitter();
      this.send(id, watch, 'state', { run: id, state: runState(runFacts(watch.dir)), reset: true });
    } else if (size > watch.offset) {
      const file = containedFile(runFile(watch.dir, 'metrics'), this.root)!;
      const skipped = watch.splitter.skipped;
      const lines = readLines(file, watch.splitter, watch.offset, size).flatMap((line) => {
        try {
          return line ? [JSON.parse(line) as unknown] : [];
        } catch {
          return [];
        }
      });
      if (lines.length > 0) this.send(id, watch, 'metrics', { run: id, lines });
      if (watch.splitter.skipped > skipped) {
        const count = watch.splitter.skipped - skipped;
        this.send(id, watch, 'skipped', { run: id, lines: count, limitBytes: MAX_LINE_BYTES });
      }
    }
    watch.offset = size;
    const state = runState(runFacts(watch.dir));
    if (watch.state !== state) this.send(id, watch, 'state', { run: id, state });
    watch.state = state;
  }

  /** metrics.jsonl's size, 0 when there is none or it is a link out of the root. */
  private sizeOf(dir: string): number {
    try {
      const file = containedFile(runFile(dir, 'metrics'), this.root);
      return file ? statSync(file).size : 0;
    } catch {
      return 0;
    }
  }

  /** One event, formatted once, to every client of the run. */
  private send(id: string, watch: Watch, event: string, data: unknown): void {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const response of new Set([...watch.clients, ...this.everyRun])) {
      if (response.writableLength > MAX_UNSENT_BYTES) response.destroy();
      else response.write(text);
    }
  }
}
