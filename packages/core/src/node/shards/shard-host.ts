/**
 * A shard's host: it builds the run's task from a factory module and keeps the inner states of
 * its particles between requests, keyed by the state ids the coordinating thread gives them. It
 * runs only the factory it is named (a module of this installation), never code it receives.
 * A worker thread (`shard-worker.ts`) and a child process (`shard-process.ts`) wrap it.
 */
import { makeKey } from '../../random.js';
import type {
  ShardMeta,
  ShardOp,
  ShardRequest,
  ShardResult,
  ShardUnroll,
} from '../../sharding/protocol.js';
import type { Task } from '../../task.js';

export function createShardHost(): {
  handle<Op extends ShardOp>(request: ShardRequest<Op>): Promise<ShardResult<Op>>;
} {
  let task: Task | undefined;
  const states = new Map<number, unknown>();

  function stateOf(id: number): unknown {
    if (!states.has(id)) throw new Error(`shard worker: no state ${id}`);
    return states.get(id);
  }

  async function handle(r: ShardRequest): Promise<ShardResult> {
    if (r.op === 'create') {
      const { factory } = r;
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
      } satisfies ShardMeta;
    }
    if (!task) throw new Error('shard worker: no task');
    const t = task;
    switch (r.op) {
      case 'init':
        states.set(
          r.id,
          t.init(r.key, r.particles, { ...(r.stepOffsets ? { stepOffsets: r.stepOffsets } : {}) }),
        );
        return null;
      case 'unroll': {
        const from = stateOf(r.from);
        const result = r.gradient
          ? t.differentiable!.unrollWithGradient(from, r.thetas, r.steps, r.key)
          : t.unroll(from, r.thetas, r.steps, r.key);
        states.set(r.id, result.state);
        return {
          losses: result.losses,
          done: result.done,
          ...('grads' in result ? { grads: result.grads as Float64Array } : {}),
        } satisfies ShardUnroll;
      }
      case 'reset':
        states.set(r.id, t.reset(stateOf(r.from), r.mask, r.key));
        return null;
      case 'gather':
        states.set(r.id, t.gather(stateOf(r.from), r.indices));
        return null;
      case 'snapshot': {
        const state = stateOf(r.from);
        return t.snapshot ? t.snapshot(state) : state;
      }
      case 'restore':
        states.set(r.id, t.restore ? t.restore(r.snapshot) : r.snapshot);
        return null;
      case 'dispose': {
        if (states.has(r.from)) t.dispose?.(states.get(r.from));
        states.delete(r.from);
        return null;
      }
      case 'snapshot-all':
        // Every live state of this shard, by id: what a replacement needs to take the shard over.
        return [...states].map(([id, state]) => [id, t.snapshot ? t.snapshot(state) : state]);
      case 'restore-all':
        for (const s of states.values()) t.dispose?.(s);
        states.clear();
        for (const [id, snapshot] of r.states)
          states.set(id, t.restore ? t.restore(snapshot) : snapshot);
        return null;
      case 'evaluate':
        return t.evaluate(r.theta, r.key);
      case 'close':
        for (const s of states.values()) t.dispose?.(s);
        states.clear();
        t.close?.();
        return null;
      default:
        // A request from outside the types (a peer of another version): said, not thrown blind.
        throw new Error(`shard worker: unknown request ${(r as { op: string }).op}`);
    }
  }
  return {
    handle: handle as <Op extends ShardOp>(r: ShardRequest<Op>) => Promise<ShardResult<Op>>,
  };
}
