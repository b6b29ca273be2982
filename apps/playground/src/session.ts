import type { IterationPoint, RunStatus, WorkerReply, WorkerRequest } from './protocol.js';
import { resolvePlaygroundConfig } from './run-config.js';
import { createRun, isFinished, stepRun, thetaBits, type PlaygroundRun } from './training.js';

/** How long one slice of training runs before the worker reports and reads its messages. */
export const SLICE_MS = 30;

export interface Session {
  /** Handles one request; requests are handled one after the other, in order. */
  handle(request: WorkerRequest): Promise<void>;
}

/**
 * The training worker's state machine, apart from the worker so that Node can drive it: runs
 * train in slices of `SLICE_MS`, and between slices the event loop delivers the page's messages
 * (pause, step, new settings), so neither the page nor the worker ever stops answering.
 */
export function createSession(
  post: (reply: WorkerReply) => void,
  schedule: (next: () => void) => void = (next) => setTimeout(next, 0),
): Session {
  let settings: Extract<WorkerRequest, { type: 'settings' }> | undefined;
  let runs: PlaygroundRun[] = [];
  let running = false;
  // A slice scheduled by an earlier start is dropped once the runs it was for are replaced.
  let generation = 0;
  let queue = Promise.resolve();

  const status = (run: PlaygroundRun): RunStatus => ({
    estimator: run.config.settings.estimator,
    iteration: run.state.iteration,
    iterations: run.trainer.iterations,
    finished: isFinished(run),
    thetaBits: thetaBits(run.state.theta),
    theta: Array.from(run.state.theta, String),
  });

  /** One iteration of every unfinished run, its points appended to `points`. */
  const stepAll = (points: IterationPoint[]) => {
    runs = runs.map((run) => {
      if (isFinished(run)) return run;
      const { run: next, record } = stepRun(run);
      points.push({
        estimator: next.config.settings.estimator,
        iteration: record.iteration,
        theta: record.theta,
        metaLoss: record.metaLoss,
        ...(record.evaluation ? { evalLoss: record.evaluation.evalLoss } : {}),
      });
      return next;
    });
  };

  const progress = (points: IterationPoint[]) =>
    post({ type: 'progress', points, runs: runs.map(status), running });

  const slice = (forGeneration: number) => {
    if (!running || forGeneration !== generation) return;
    const points: IterationPoint[] = [];
    const limit = settings?.iterationsPerSlice || Infinity;
    const until = performance.now() + SLICE_MS;
    for (let i = 0; i < limit && performance.now() < until && !runs.every(isFinished); i++)
      stepAll(points);
    if (runs.every(isFinished)) running = false;
    progress(points);
    if (running) schedule(() => slice(forGeneration));
  };

  const build = async () => {
    if (!settings) throw new Error('no settings yet: send settings before start, step or reset');
    generation++;
    running = false;
    const { task, estimators, overrides } = settings;
    runs = await Promise.all(
      estimators.map((estimator) => createRun(resolvePlaygroundConfig(task, estimator, overrides))),
    );
    const points = runs.map((run) => ({
      estimator: run.config.settings.estimator,
      iteration: 0,
      theta: Array.from(run.state.theta),
      metaLoss: null,
      evalLoss: run.state.history[0]?.evaluation.evalLoss,
    }));
    post({ type: 'ready', task, points, runs: runs.map(status) });
  };

  const handleNow = async (request: WorkerRequest) => {
    switch (request.type) {
      case 'settings':
        settings = request;
        return build();
      case 'reset':
        return build();
      case 'start':
        if (running || runs.length === 0) return;
        running = true;
        return slice(generation);
      case 'pause':
        running = false;
        return progress([]);
      case 'step': {
        running = false;
        const points: IterationPoint[] = [];
        stepAll(points);
        return progress(points);
      }
    }
  };

  return {
    handle(request) {
      queue = queue.then(() =>
        handleNow(request).catch((error: unknown) =>
          post({
            type: 'error',
            message: error instanceof Error ? error.message : String(error),
          }),
        ),
      );
      return queue;
    },
  };
}
