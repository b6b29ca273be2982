import { lstatSync, readdirSync, type Dirent } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { RUN_FILE_NAMES, runFile } from '@pes/runner/node';
// The files' names are the run store's: the dashboard looks at them, never spells them.

/** Where a run stands, as the dashboard's list shows it. */
export type RunState = 'running' | 'finished' | 'interrupted';

/** What the files of a run directory say about it; `runState` decides from these alone. */
export interface RunFacts {
  /** result.json exists: `pes meta-train` writes it last. */
  finished: boolean;
  /** Milliseconds since a lock file of the run was refreshed; absent without one. */
  lockAgeMs?: number;
  /** Milliseconds since metrics.jsonl, checkpoint.json or config.json last changed. */
  sinceModifiedMs: number;
}

/**
 * A lock refreshed within this long is held by a live process (proper-lockfile refreshes its
 * lock every few seconds and calls it stale after 10 s; a loaded machine may lag).
 */
export const LOCK_FRESH_MS = 60_000;

/**
 * A run without a live lock that wrote within this long is taken to be running: an iteration
 * of the slowest tasks, or the initial evaluation before the first metrics line, fits in it.
 */
export const RECENTLY_MODIFIED_MS = 5 * 60_000;

export function runState(facts: RunFacts): RunState {
  if (facts.finished) return 'finished';
  if (facts.lockAgeMs !== undefined) {
    return facts.lockAgeMs <= LOCK_FRESH_MS ? 'running' : 'interrupted';
  }
  return facts.sinceModifiedMs <= RECENTLY_MODIFIED_MS ? 'running' : 'interrupted';
}

/** The files a run's activity shows in. */
const ACTIVITY_FILES = [RUN_FILE_NAMES.metrics, RUN_FILE_NAMES.checkpoint, RUN_FILE_NAMES.config];

/** A file's own modification time: a link's, never that of what it leads to (maybe outside DIR). */
const mtimeOf = (file: string): number | undefined => {
  try {
    return lstatSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/** Reads a run directory's facts (stat only: the dashboard never opens a run for writing). */
export function runFacts(dir: string, now = Date.now()): RunFacts {
  const modified = Math.max(...ACTIVITY_FILES.map((f) => mtimeOf(join(dir, f)) ?? -Infinity));
  // proper-lockfile's lock is `<file>.lock`: of the directory (beside it) or of a file in it.
  const locks = [
    `${dir}.lock`,
    ...entries(dir)
      .filter((e) => e.name.endsWith('.lock'))
      .map((e) => join(dir, e.name)),
  ]
    .map(mtimeOf)
    .filter((t) => t !== undefined);
  return {
    finished: mtimeOf(runFile(dir, 'result')) !== undefined,
    ...(locks.length > 0 ? { lockAgeMs: now - Math.max(...locks) } : {}),
    sinceModifiedMs: now - modified,
  };
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** How deep under the dashboard's directory runs are looked for (runs/group/run). */
const MAX_DEPTH = 3;

/**
 * The run directories under `root` (those holding config.json), by id: the path from `root`
 * with `/` between parts, or the directory's own name when `root` is itself a run. Symbolic
 * links are not followed, so nothing outside `root` is ever listed.
 */
export function findRuns(root: string): Map<string, string> {
  const runs = new Map<string, string>();
  const visit = (dir: string, depth: number) => {
    const children = entries(dir);
    if (children.some((e) => e.isFile() && e.name === RUN_FILE_NAMES.config)) {
      const id = relative(root, dir).split(sep).join('/') || basename(root);
      runs.set(id, dir);
      return;
    }
    if (depth === MAX_DEPTH) return;
    for (const e of children) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
        visit(join(dir, e.name), depth + 1);
    }
  };
  visit(root, 0);
  return new Map([...runs].sort(([a], [b]) => a.localeCompare(b)));
}
