import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Io } from '@pes/runner/node';

export interface DashboardFlags {
  port?: number;
  host?: string;
  /** --allow-host: a comma-separated list of host names requests may name. */
  allowHost?: string;
}

/** Addresses only this machine reaches; anything else is announced with a warning. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * `pes dashboard DIR`: serves the runs under DIR (list, each run's plots, overlays) until
 * Ctrl-C, live as their metrics.jsonl grow. It only reads: a run it shows is never written.
 */
export async function dashboard(
  dir: string,
  flags: DashboardFlags,
  io: Io,
  stopped: Promise<unknown> = interrupted(),
): Promise<number> {
  const root = resolve(dir);
  const stat = statSync(root, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`no directory ${root}`);
  if (!stat.isDirectory()) throw new UsageError(`${root} is not a directory`);
  const port = flags.port ?? 0;
  if (port < 0 || port > 65535) throw new UsageError(`--port ${port} is not a port (0–65535)`);
  const host = flags.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    io.err(
      `pes: warning: listening on ${host}: anyone who reaches this machine there can read every run under ${root}`,
    );
  }
  const allowHosts = (flags.allowHost ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const { startDashboard } = await import('../dashboard/server.js');
  let dashboard;
  try {
    dashboard = await startDashboard({ root, host, port, allowHosts });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use on ${host}`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UsageError(`cannot listen on ${host}: ${code}`);
    throw error;
  }
  io.out(`pes: dashboard of ${root} at ${dashboard.url} (Ctrl-C stops it)`);
  await stopped;
  await dashboard.close();
  return 0;
}

/** Resolves on the first Ctrl-C or SIGTERM. */
function interrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
