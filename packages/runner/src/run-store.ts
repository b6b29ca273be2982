import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { removeStrayTemporaries, writeFileAtomic, WriteError } from '@pes/core/node';
import type { z } from 'zod';
import { LineSplitter, readLines } from './bounded-lines.js';
import { validateConfig, type RunConfig } from './config.js';
import { containedFile } from './contained-file.js';
import { UsageError } from './errors.js';
import { lockRunDirectory, type ReleaseLock } from './run-lock.js';
import { metricsLineSchema, parseStored, reportedConfigSchema, resultSchema } from './run-files.js';

/*
 * The run store: the one module that names a run directory's files and reads and writes them
 * through their schemas (run-files.ts). `pes meta-train` writes a run through RunDirectory; the
 * report, `pes compare`, the dashboard and the experiments read one through readRun,
 * readRunResult and readRunMetrics. A file's name or shape is so decided in one place, and no
 * reader has to import another reader's module (the dashboard the report's) to get at a run.
 */

/**
 * A run directory's files: config.json (every setting in force), metrics.jsonl (a line per
 * iteration, appended as the run goes), checkpoint.json (replaced atomically), result.json
 * (written at the end, last of all).
 */
export const RUN_FILE_NAMES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint.json',
  result: 'result.json',
} as const;

/** The path of one of the files of the run directory `dir`. */
export const runFile = (dir: string, file: keyof typeof RUN_FILE_NAMES): string =>
  join(dir, RUN_FILE_NAMES[file]);

/** The writer's side: a run directory that `pes meta-train` owns while it writes it. */
export class RunDirectory {
  readonly dir: string;
  readonly config: string;
  readonly metrics: string;
  readonly checkpoint: string;
  readonly result: string;
  private releaseLock: ReleaseLock | undefined;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.config = runFile(this.dir, 'config');
    this.metrics = runFile(this.dir, 'metrics');
    this.checkpoint = runFile(this.dir, 'checkpoint');
    this.result = runFile(this.dir, 'result');
  }

  /**
   * Makes the directory for a new run and becomes its one owner (before anything is written);
   * refuses a directory another process owns, or one that holds a run unless `overwrite`.
   */
  async create(overwrite: boolean): Promise<void> {
    if (existsSync(this.dir) && !statSync(this.dir).isDirectory()) {
      throw new UsageError(`output directory ${this.dir} is a file`);
    }
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw new UsageError(
        `cannot create output directory ${this.dir}: ${errorCode(mkdirFailure(this.dir, error))}`,
      );
    }
    await this.lock();
    if (existsSync(this.config) && !overwrite) {
      throw new UsageError(
        `${this.dir} already holds a run; continue it with --resume ${this.dir}, or pass --overwrite`,
      );
    }
    if (overwrite) {
      for (const file of [this.config, this.metrics, this.checkpoint, this.result])
        rmSync(file, { force: true });
    }
    removeStrayTemporaries(this.dir);
  }

  /** Becomes the one owner of an existing run directory (to resume it). */
  async open(): Promise<void> {
    if (!existsSync(this.dir)) throw new UsageError(`no run directory ${this.dir}`);
    if (!statSync(this.dir).isDirectory()) throw new UsageError(`${this.dir} is not a directory`);
    await this.lock();
  }

  private async lock(): Promise<void> {
    this.releaseLock ??= await lockRunDirectory(this.dir);
  }

  /** Gives up ownership; the directory is anyone's again. */
  async close(): Promise<void> {
    await this.releaseLock?.();
    this.releaseLock = undefined;
  }

  /** A failed write is a WriteError naming the file and the reason (one line, exit 2). */
  writeConfig(config: RunConfig): void {
    writeFileAtomic(this.config, `${JSON.stringify(config, null, 2)}\n`);
  }

  /**
   * config.json checked by its task's schema, to resume the run. Its messages are not readJson's
   * below (`is not valid JSON: …` here, `(…)` there): each is what its command has always said.
   */
  readConfig(): RunConfig {
    if (!existsSync(this.dir)) throw new UsageError(`no run directory ${this.dir}`);
    // What a write killed mid-way left behind (its process is gone) is of no use to anyone.
    removeStrayTemporaries(this.dir);
    let text: string;
    try {
      text = readFileSync(this.config, 'utf8');
    } catch {
      throw new UsageError(`${this.dir} holds no run: ${RUN_FILE_NAMES.config} is missing`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${this.config} is not valid JSON: ${(error as Error).message}`);
    }
    return validateConfig(json, this.config);
  }

  /** A failed append is a WriteError (one line, exit 2); a torn last line is dropped on resume. */
  appendMetrics(record: object): void {
    try {
      appendFileSync(this.metrics, `${JSON.stringify(record)}\n`);
    } catch (error) {
      throw new WriteError(
        `cannot append to ${this.metrics} (${errorCode(error)}); the lines before are kept, and --resume ${this.dir} continues from the last checkpoint`,
      );
    }
  }

  /**
   * Drops metric lines past `iteration` (work after the last checkpoint, lost by a crash) and
   * any torn last line, so that the resumed run appends exactly where its state stands.
   */
  truncateMetrics(iteration: number): void {
    if (!existsSync(this.metrics)) return;
    if (!statSync(this.metrics).isFile()) {
      throw new UsageError(
        `${this.metrics} is not a file; move it away and --resume again (it then holds the lines from the checkpoint on)`,
      );
    }
    const kept = readFileSync(this.metrics, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line) return false;
        try {
          return (JSON.parse(line) as { iteration: number }).iteration <= iteration;
        } catch {
          return false;
        }
      });
    writeFileAtomic(this.metrics, kept.map((l) => `${l}\n`).join(''));
  }

  writeResult(result: object): void {
    writeFileAtomic(this.result, `${JSON.stringify(result, null, 2)}\n`);
  }

  /** A file a task keeps θ as (a learned optimizer's weights); returns its path. */
  writeArtifact(name: string, contents: string): string {
    const file = join(this.dir, name);
    writeFileAtomic(file, contents);
    return file;
  }
}

/** A run as the report, `pes compare` and the dashboard read it. */
export interface RunRecord {
  name: string;
  dir: string;
  config: Record<string, unknown>;
  /** One object per iteration from metrics.jsonl. */
  metrics: MetricsLine[];
  /** Lines of metrics.jsonl skipped for being longer than any run writes (MAX_LINE_BYTES). */
  skippedLines?: number;
  result?: {
    initial: Record<string, number | number[]>;
    final: Record<string, number | number[]>;
    history: Record<string, number | number[] | null>[];
  };
}

/** One line of metrics.jsonl, as `pes meta-train` appended it. */
export type MetricsLine = Record<string, number | number[] | boolean | null>;

/** result.json as its schema reads it. */
export type RunResult = z.output<typeof resultSchema>;

/**
 * An evaluation in result.json's history with the figures `F` that its task evaluates, as
 * numbers: the schema's figures are numbers, lists or null whatever the task, and only the
 * reader knows its task.
 */
export type Evaluated<F extends string> = RunResult['history'][number] & Record<F, number>;

/**
 * The reader's side: what a run directory holds so far (a running run has no result.json).
 * Reads only, and takes no lock: a run being written can be read at any time.
 */
export function readRun(dir: string): RunRecord {
  const root = resolve(dir);
  const configFile = runFile(root, 'config');
  const config = parseStored(reportedConfigSchema, readJson(configFile, root), configFile);
  const { lines: metrics, skipped } = readMetricsLines(root);
  const resultFile = runFile(root, 'result');
  const result = containedFile(resultFile, root)
    ? parseStored(resultSchema, readJson(resultFile, root), resultFile)
    : undefined;
  return {
    name: basename(root),
    dir: root,
    config,
    metrics,
    result,
    ...(skipped > 0 ? { skippedLines: skipped } : {}),
  } as RunRecord;
}

/**
 * result.json of a finished run, checked by its schema (an experiment reads its children's
 * runs so); a missing, truncated or misshapen one is one line naming it.
 */
export function readRunResult(dir: string): RunResult {
  const file = runFile(resolve(dir), 'result');
  return parseStored(resultSchema, readJson(file, resolve(dir)), file);
}

/**
 * metrics.jsonl's lines in order, none before the first is appended. A line torn by a crash,
 * or one without an iteration, is skipped; a line is kept as it was written (its keys in
 * their order), since the dashboard sends it on as it is.
 */
export function readRunMetrics(dir: string): MetricsLine[] {
  return readMetricsLines(resolve(dir)).lines;
}

/** metrics.jsonl's lines, and how many were skipped for being longer than any run writes. */
function readMetricsLines(dir: string): { lines: MetricsLine[]; skipped: number } {
  const file = containedFile(runFile(dir, 'metrics'), dir);
  if (!file) return { lines: [], skipped: 0 };
  const splitter = new LineSplitter();
  const text = readLines(file, splitter);
  const last = splitter.rest();
  if (last !== undefined) text.push(last);
  const lines = text.flatMap((line) => {
    if (!line) return [];
    try {
      const record: unknown = JSON.parse(line);
      return metricsLineSchema.safeParse(record).success ? [record as MetricsLine] : [];
    } catch {
      return []; // a line torn by a crash
    }
  });
  return { lines, skipped: splitter.skipped };
}

/** A run file's JSON; a truncated or unreadable file is the user's to see, in one line. */
function readJson(file: string, dir: string): unknown {
  let text: string;
  try {
    const real = containedFile(file, dir);
    if (!real) {
      if (basename(file) === RUN_FILE_NAMES.config)
        throw new UsageError(`${dir} holds no run: ${RUN_FILE_NAMES.config} is missing`);
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    }
    text = readFileSync(real, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Why making `dir` failed, as the nearest directory that exists says it: a recursive mkdir
 * reports ENOENT for a parent it could not make, whatever the cause (a read-only file system,
 * EROFS), so the first missing parent is made again on its own to get the real one.
 */
function mkdirFailure(dir: string, error: unknown): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
  let missing = dir;
  while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
  try {
    mkdirSync(missing);
    rmdirSync(missing); // made after all (the cause has passed): leave nothing behind
  } catch (cause) {
    return cause;
  }
  return error;
}

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  // Node's message is `CODE: what it means, syscall 'path'`: the code and what it means.
  const meaning = /^\w+: ([^,]+)/.exec(e.message ?? '')?.[1] ?? e.code;
  return e.code ? `${e.code} (${meaning})` : String(error);
}
