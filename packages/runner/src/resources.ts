import { freemem, totalmem } from 'node:os';
import { estimateRunMemory } from '@pes/core';
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

function size(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib >= 1024) return `${(gib / 1024).toPrecision(3)} TiB`;
  return gib >= 1 ? `${gib.toPrecision(3)} GiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`;
}
