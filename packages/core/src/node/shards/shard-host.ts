/**
 * A shard's host: it builds the run's task from a factory module and keeps the inner states of
 * its particles between requests, keyed by the state ids the coordinating thread gives them. It
 * runs only the factory it is named (a module of this installation), never code it receives.
 * A worker thread (`shard-worker.ts`) and a child process (`shard-process.ts`) wrap it.
 */
import { makeKey, type Key } from '../../random.js';
import type { Task } from '../../task.js';
import type { ShardRequest } from './sync-worker.js';

export function createShardHost(): { handle(request: ShardRequest): Promise<unknown> } {
  let task: Task | undefined;
  const states = new Map<number, unknown>();

  function stateOf(id: number): unknown {
    if (!states.has(id)) throw new Error(`shard worker: no state ${id}`);
    return states.get(id);
  }

  async function handle(r: ShardRequest): Promise<unknown> {
    if (r.op === 'create') {
      const factory = r.factory as { module: string; name: string; options: unknown };
      const module = (await import(factory.module)) as Record<string, unknown>;
      const create = module[factory.name] as (options: unknown) => Promise<Task> | Task;
      task = await create(factory.options);
      // One particle's snapshot: how long each per-particle leaf is, to count a snapshot's particles.
      const one = task.init(makeKey(0), 1);
      const unit = task.snapshot ? task.snapshot(one) : one;
      task.dispose?.(one);
      return {
        unit,
        name: task.name,
        dim: task.dim,
        horizon: task.horizon,
        maximize: task.maximize ?? false,
        initialTheta: task.initialTheta(),
        differentiable: task.differentiable !== undefined,
      };
    }
    if (!task) throw new Error('shard worker: no task');
    const t = task;
    switch (r.op) {
      case 'init':
        states.set(
          r.id as number,
          t.init(r.key as Key, r.particles as number, {
            ...(r.stepOffsets ? { stepOffsets: r.stepOffsets as Int32Array } : {}),
          }),
        );
        return null;
      case 'unroll': {
        const from = stateOf(r.from as number);
        const result = r.gradient
          ? t.differentiable!.unrollWithGradient(
              from,
              r.thetas as Float64Array,
              r.steps as number,
              r.key as Key,
            )
          : t.unroll(from, r.thetas as Float64Array, r.steps as number, r.key as Key);
        states.set(r.id as number, result.state);
        return {
          losses: result.losses,
          done: result.done,
          ...('grads' in result ? { grads: result.grads } : {}),
        };
      }
      case 'reset':
        states.set(
          r.id as number,
          t.reset(stateOf(r.from as number), r.mask as Uint8Array, r.key as Key),
        );
        return null;
      case 'gather':
        states.set(r.id as number, t.gather(stateOf(r.from as number), r.indices as Int32Array));
        return null;
      case 'snapshot': {
        const state = stateOf(r.from as number);
        return t.snapshot ? t.snapshot(state) : state;
      }
      case 'restore':
        states.set(r.id as number, t.restore ? t.restore(r.snapshot) : r.snapshot);
        return null;
      case 'dispose': {
        const id = r.from as number;
        if (states.has(id)) t.dispose?.(states.get(id));
        states.delete(id);
        return null;
      }
      case 'snapshot-all':
        // Every live state of this shard, by id: what a replacement needs to take the shard over.
        return [...states].map(([id, state]) => [id, t.snapshot ? t.snapshot(state) : state]);
      case 'restore-all':
        for (const s of states.values()) t.dispose?.(s);
        states.clear();
        for (const [id, snapshot] of r.states as [number, unknown][])
          states.set(id, t.restore ? t.restore(snapshot) : snapshot);
        return null;
      case 'evaluate':
        return t.evaluate(r.theta as Float64Array, r.key as Key);
      case 'close':
        for (const s of states.values()) t.dispose?.(s);
        states.clear();
        t.close?.();
        return null;
      default:
        throw new Error(`shard worker: unknown request ${r.op}`);
    }
  }
  return { handle };
}
