import { estimatorRegistry } from '@pes/core';
import { taskSpecs } from '../registry.js';
import { scheduleRegistry } from '@pes/hpo';
import { EXPERIMENTS } from './experiment.js';

const OBJECTIVES = [
  ['train-loss', 'training loss of the minibatch each step trained on, summed over the unroll'],
  ['val-loss', 'loss on a fresh held-out minibatch after each step, summed'],
  [
    'val-accuracy',
    'minus the accuracy on a fresh held-out minibatch after each step (not differentiable)',
  ],
] as const;
import type { Io } from './meta-train.js';

export function list(io: Io): number {
  const width =
    Math.max(
      ...[...taskSpecs, ...estimatorRegistry, ...scheduleRegistry].map((x) => x.name.length),
    ) + 2;
  io.out('tasks:');
  for (const s of taskSpecs) io.out(`  ${s.name.padEnd(width)}${s.description}`);
  io.out('estimators:');
  for (const e of estimatorRegistry) io.out(`  ${e.name.padEnd(width)}${e.description}`);
  io.out('schedules (mnist-lr-schedule --schedule):');
  for (const s of scheduleRegistry) io.out(`  ${s.name.padEnd(width)}${s.description}`);
  io.out('objectives (image tasks --objective):');
  for (const [name, description] of OBJECTIVES) io.out(`  ${name.padEnd(width)}${description}`);
  io.out('experiments:');
  for (const [name, description] of Object.entries(EXPERIMENTS))
    io.out(`  ${name.padEnd(width)}${description}`);
  return 0;
}
