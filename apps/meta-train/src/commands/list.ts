import { estimatorRegistry } from '@pes/core';
import { taskSpecs } from '../registry.js';
import { EXPERIMENTS } from './experiment.js';
import type { Io } from './meta-train.js';

export function list(io: Io): number {
  const width = Math.max(...[...taskSpecs, ...estimatorRegistry].map((x) => x.name.length)) + 2;
  io.out('tasks:');
  for (const s of taskSpecs) io.out(`  ${s.name.padEnd(width)}${s.description}`);
  io.out('estimators:');
  for (const e of estimatorRegistry) io.out(`  ${e.name.padEnd(width)}${e.description}`);
  io.out('experiments:');
  for (const [name, description] of Object.entries(EXPERIMENTS))
    io.out(`  ${name.padEnd(width)}${description}`);
  return 0;
}
