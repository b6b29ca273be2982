import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeStrayTemporaries, writeFileAtomic, WriteError } from '@pes/core/node';
import { validateConfig, type RunConfig } from './config.js';
import { UsageError } from './errors.js';
import { lockRunDirectory, type ReleaseLock } from './run-lock.js';

/**
 * A run directory: config.json (every setting in force), metrics.jsonl (a line per
 * iteration, appended as the run goes), checkpoint.json (replaced atomically), result.json
 * (written at the end).
 */
export class RunDirectory {
  readonly dir: string;
  readonly config: string;
  readonly metrics: string;
  readonly checkpoint: string;
  readonly result: string;
  private releaseLock: ReleaseLock | undefined;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.config = join(this.dir, 'config.json');
    this.metrics = join(this.dir, 'metrics.jsonl');
    this.checkpoint = join(this.dir, 'checkpoint.json');
    this.result = join(this.dir, 'result.json');
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
      throw new UsageError(`cannot create output directory ${this.dir}: ${errorCode(error)}`);
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

  readConfig(): RunConfig {
    if (!existsSync(this.dir)) throw new UsageError(`no run directory ${this.dir}`);
    // What a write killed mid-way left behind (its process is gone) is of no use to anyone.
    removeStrayTemporaries(this.dir);
    let text: string;
    try {
      text = readFileSync(this.config, 'utf8');
    } catch {
      throw new UsageError(`${this.dir} holds no run: config.json is missing`);
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

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message.split(':')[0]})` : String(error);
}
