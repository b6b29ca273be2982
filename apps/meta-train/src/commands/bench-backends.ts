import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median } from '@pes/core';
import { UsageError } from '../errors.js';
import { findTaskSpec, taskSpecs, resolveRun, type Io } from '@pes/runner/node';

const run = promisify(execFile);
/** The backends compared: TensorFlow's own kernels (tfjs-node) and WebAssembly. */
const BACKENDS = ['tensorflow', 'wasm'] as const;

export interface BackendsOptions {
  /** Tasks to time; default every task that computes with tensors. */
  tasks?: string[];
  /**
   * Data directory for the tasks whose dataset has no embedded copy (CIFAR-10's binary batches);
   * the MNIST tasks keep their embedded digits, as their own defaults have them.
   */
  dataDir?: string;
  repeats: number;
  /** Outer iterations in each timed repeat. */
  iterations: number;
  json: boolean;
}

interface Row {
  task: string;
  seconds: Record<(typeof BACKENDS)[number], number>;
  faster: 'native' | 'wasm';
  /** What the task declares (`TaskSpec.preferredBackend`), which `backend: auto` follows. */
  declared: 'native' | 'wasm';
}

/** A task reading a dataset without an embedded copy: every one but MNIST's (CIFAR-10). */
function needsDataDir(task: string): boolean {
  const { spec, options } = resolveRun({ task });
  if (!('dataDir' in spec.options.shape)) return false;
  const { dataset } = options as { dataset?: unknown };
  return dataset !== undefined && dataset !== 'mnist';
}

/**
 * `pes bench backends`: seconds per outer iteration of each tensor task (its own settings, one
 * worker) on tfjs-node and on WebAssembly. A process has one backend, so each measurement is a
 * `pes bench scaling` child of its own, the two backends alternated repeat by repeat; medians,
 * the ratio, which is faster, and what the task declares for `backend: auto`.
 */
export async function benchBackends(options: BackendsOptions, io: Io): Promise<number> {
  if (!Number.isInteger(options.repeats) || options.repeats < 1)
    throw new UsageError(`--repeats must be a positive integer, got ${options.repeats}`);
  if (!Number.isInteger(options.iterations) || options.iterations < 1)
    throw new UsageError(`--iterations must be a positive integer, got ${options.iterations}`);
  const names = options.tasks ?? taskSpecs.filter((s) => s.usesTensors).map((s) => s.name);
  for (const name of names)
    if (!findTaskSpec(name).usesTensors)
      throw new UsageError(`task ${name} computes with typed arrays, not tensors`);
  const bin = fileURLToPath(new URL('../../bin/pes.js', import.meta.url));
  const rows: Row[] = [];
  const skipped: string[] = [];
  tasks: for (const task of names) {
    const seconds: Record<string, number[]> = { tensorflow: [], wasm: [] };
    for (let r = 0; r < options.repeats; r++) {
      for (const backend of BACKENDS) {
        const argv = [bin, 'bench', 'scaling', '--task', task, '--workers', '1', '--repeats', '1'];
        argv.push('--iterations', String(options.iterations), '--json');
        if (options.dataDir !== undefined && needsDataDir(task))
          argv.push('--data-dir', options.dataDir);
        try {
          const { stdout } = await run(process.execPath, argv, {
            env: { ...process.env, PES_BACKEND: backend },
            maxBuffer: 1 << 24,
          });
          const json = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
            rows: { secondsPerIteration: number }[];
          };
          seconds[backend]!.push(json.rows[0]!.secondsPerIteration);
        } catch (error) {
          const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').at(-1);
          const reason = `${task} on ${backend}: ${stderr ?? (error as Error).message}`;
          // Every task by default: one that needs files not given (CIFAR-10) is left out, said.
          if (options.tasks || !/no embedded copy/.test(reason)) throw new UsageError(reason);
          skipped.push(`${task} (${stderr?.replace(/^pes: /, '')})`);
          continue tasks;
        }
      }
    }
    const medians = { tensorflow: median(seconds.tensorflow!), wasm: median(seconds.wasm!) };
    const { spec, options: defaults } = resolveRun({ task });
    rows.push({
      task,
      seconds: medians,
      faster: medians.tensorflow <= medians.wasm ? 'native' : 'wasm',
      declared: spec.preferredBackend?.(defaults) ?? 'native',
    });
  }
  if (options.json) {
    io.out(
      JSON.stringify({ repeats: options.repeats, iterations: options.iterations, rows, skipped }),
    );
    return 0;
  }
  io.out(
    `seconds per outer iteration, one worker, medians of ${options.repeats} alternated runs of ${options.iterations} iterations each`,
  );
  for (const row of rows)
    io.out(
      `  ${row.task.padEnd(18)} tensorflow ${row.seconds.tensorflow.toFixed(4)} s   wasm ${row.seconds.wasm.toFixed(4)} s   tensorflow/wasm ×${(row.seconds.tensorflow / row.seconds.wasm).toFixed(2)}   faster: ${row.faster}   auto runs on: ${row.declared}${row.faster !== row.declared ? '  (differs from this measurement)' : ''}`,
    );
  for (const line of skipped) io.out(`  skipped: ${line}`);
  return 0;
}
