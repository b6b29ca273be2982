import { freemem, totalmem } from 'node:os';
import { estimateRunMemory, RUNTIME_BYTES } from '@pes/core';
import type { ResolvedRun } from './config.js';
import { UsageError } from './errors.js';

/** The memory of this machine, in bytes: all of it, and what is free now. */
export interface MachineMemory {
  total: number;
  free: number;
}

const machineMemory = (): MachineMemory => ({ total: totalmem(), free: freemem() });

/**
 * Refuses, before any file is written or any data loaded, a run whose estimated memory exceeds
 * what the machine has free: such a run would swap, then die part-way with an allocation error.
 */
export function assertRunFits(
  { spec, config }: ResolvedRun,
  machine: MachineMemory = machineMemory(),
): void {
  const need = estimateRunMemory(spec, config);
  if (need <= machine.free) return;
  throw new UsageError(
    `a ${config.task} run with these settings (${config.particles} particles, unroll ${config.unrollLength}${
      config.batchSize !== undefined ? `, batch ${String(config.batchSize)}` : ''
    }) needs about ${size(need)} of memory; this machine has ${size(machine.free)} free of ${size(machine.total)} (lower --particles${
      config.batchSize !== undefined ? ', --batch' : ''
    } or --unroll)`,
  );
}

/**
 * Refuses, on a `pes worker`, another shard of a run when this machine's free memory is below
 * what the whole run's particles and data need (a shard holds at most all of them; the runtime
 * is already here): a flood of `create` messages, or a run too large for this machine, ends in
 * one line instead of swapping. Its error is named `WorkerFull`: the coordinator reports it as
 * one line (exit 2).
 */
export function assertShardFits(
  { spec, config }: ResolvedRun,
  machine: MachineMemory = machineMemory(),
): void {
  const need = estimateRunMemory(spec, config) - RUNTIME_BYTES;
  if (need <= machine.free) return;
  throw Object.assign(
    new Error(
      `a shard of this ${config.task} run may need about ${size(need)} of memory; this worker's machine has ${size(machine.free)} free of ${size(machine.total)}`,
    ),
    { name: 'WorkerFull' },
  );
}

function size(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib >= 1024) return `${(gib / 1024).toPrecision(3)} TiB`;
  return gib >= 1 ? `${gib.toPrecision(3)} GiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`;
}
