import type { MetaTrainer } from '@pes/core';
import { isDeepStrictEqual } from 'node:util';
import type { RunConfig, RunDirectory } from '@pes/runner/node';
import { UsageError } from '../errors.js';

/**
 * Refuses a checkpoint made under other settings than the run's config.json (--iterations
 * aside), naming each setting that differs.
 */
export function assertSameSettings(run: RunDirectory, stored: RunConfig, saved: RunConfig): void {
  const { iterations: _a, ...now } = stored;
  const { iterations: _b, ...then } = saved;
  const differing = differingSettings(now, then);
  if (differing.length > 0) {
    throw new UsageError(
      `${run.checkpoint} was made with other settings than ${run.config} (${differing.join(', ')})`,
    );
  }
}

/**
 * The settings on which the run's config.json (`now`) and its checkpoint's (`then`) differ,
 * each as `name: checkpoint X, config.json Y`, in config.json's order; [] when they agree.
 */
export function differingSettings(now: object, then: object): string[] {
  const names = [...new Set([...Object.keys(now), ...Object.keys(then)])];
  const shown = (value: unknown) => (value === undefined ? 'unset' : JSON.stringify(value));
  const at = (config: object, name: string) => (config as Record<string, unknown>)[name];
  return names
    .filter((name) => !isDeepStrictEqual(at(now, name), at(then, name)))
    .map(
      (name) => `${name}: checkpoint ${shown(at(then, name))}, config.json ${shown(at(now, name))}`,
    );
}

/**
 * `trainer` whose first step, the first use of a restored checkpoint's state, turns a failure
 * into one line naming the checkpoint (exit 2). A checkpoint can pass its checksum and its
 * schema and still hold another estimator's state: config.json and the checkpoint's settings
 * edited together, the checksum recomputed. The estimator's task state then has the wrong
 * number of particles, which only the first unroll finds (a RangeError or TypeError, as the
 * tasks' shape checks throw). Anything else, and any failure of a later step, is left as it is.
 */
export function checkedFirstStep<E>(trainer: MetaTrainer<E>, checkpoint: string): MetaTrainer<E> {
  let first = true;
  return {
    ...trainer,
    step(state) {
      if (!first) return trainer.step(state);
      first = false;
      try {
        return trainer.step(state);
      } catch (error) {
        if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
        throw new UsageError(
          `cannot resume from ${checkpoint}: its state does not fit the run's settings (${(error as Error).message}); start the run again`,
        );
      }
    },
  };
}
