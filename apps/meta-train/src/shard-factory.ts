import type { Task } from '@pes/core';
import { selectBackend } from './backend.js';
import { taskOptionsOf, type RunConfig } from './config.js';
import { findTaskSpec } from './registry.js';

/** This module, as a worker thread imports it (a file URL: JavaScript built, TypeScript under tests). */
export const SHARD_FACTORY_MODULE = import.meta.url;

/**
 * What a shard worker runs to build its copy of a run's task: the validated run config (and the
 * data the run's threads share) in, the task out, exactly as the main process builds it (tensor
 * backend first, then the task's own `create`). A worker builds tasks only through this
 * function: it is sent data, never code.
 */
export async function createTaskFromConfig({
  config,
  shared,
  threads,
}: {
  config: RunConfig;
  /** What the task shares between a run's threads (`TaskSpec.sharedData`), if anything. */
  shared?: unknown;
  /** TensorFlow's threads in this process, its share of the cores (a worker process's). */
  threads?: number;
}): Promise<Task> {
  const spec = findTaskSpec(config.task);
  // The run's backend was resolved once, by the process that started it (config.backend).
  if (spec.usesTensors)
    await selectBackend({
      requested: (config.backend as string | undefined) ?? 'auto',
      ...(threads !== undefined ? { threads } : {}),
    });
  return spec.create(taskOptionsOf(config), shared);
}
