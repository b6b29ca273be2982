import type { Task, TaskFactory } from '@pes/core';
import { assertShardFits } from './resources.js';
import { selectBackend } from './backend.js';
import { resolveRun, validateConfig, type RunConfig } from './config.js';

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
  // The run was resolved by the process that started it; a thread gets it flat, and resolves it
  // once more to reach its spec (the config holds every default already).
  const { spec, options } = resolveRun(config);
  // The run's backend was chosen once, by the process that started it (config.backend).
  if (spec.usesTensors)
    await selectBackend({
      requested: (config.backend as string | undefined) ?? 'auto',
      ...(threads !== undefined ? { threads } : {}),
    });
  return spec.create(options, shared);
}

/**
 * The task factory a `pes worker` is given (`runWorker`'s `taskFactory`): a run config from a
 * coordinator, validated by the same schema as config.json, becomes the factory its shard
 * threads build the task with (`createTaskFromConfig`). `dataDir`, this machine's data
 * directory, replaces the run's for the tasks that read one; the tensor backend the coordinator
 * resolved (config.backend) is selected in this process, so every shard computes on the same;
 * a data set is read once per process and shared by the worker's shard threads.
 */
export function workerTaskFactory(dataDir?: string): (config: unknown) => Promise<TaskFactory> {
  const shared = new Map<string, Promise<unknown>>();
  return async (sent) => {
    let run = resolveRun(validateConfig(sent, 'the run config'));
    assertShardFits(run);
    if (dataDir !== undefined && 'dataDir' in run.spec.options.shape)
      run = resolveRun({ ...run.config, dataDir });
    const { spec, options, config } = run;
    if (spec.usesTensors)
      await selectBackend({ requested: (config.backend as string | undefined) ?? 'auto' });
    const key = JSON.stringify(options);
    if (!shared.has(key)) shared.set(key, Promise.resolve(spec.sharedData?.(options)));
    const data = await shared.get(key);
    return {
      module: SHARD_FACTORY_MODULE,
      name: 'createTaskFromConfig',
      options: { config, shared: data },
    };
  };
}
