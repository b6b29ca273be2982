import { runSettingsSchema } from '@pes/core';
import { resolveFormulation, type ImageData } from '@pes/inner-problems';
import { chooseBackend } from './mnist-backend.js';
import { decodeDigits } from './mnist-digits.js';
import type { MnistReply, MnistRequest } from './mnist-protocol.js';
import {
  createMnistRun,
  firstPoint,
  mnistFinished,
  MNIST_PAGE_SETTINGS,
  stepMnistRun,
  type MnistRun,
} from './mnist-training.js';

/** The worker's global scope, as much of it as this file uses (the page's lib is DOM's). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<MnistRequest>) => void) | null;
  postMessage(reply: MnistReply): void;
};
const post = (reply: MnistReply) => scope.postMessage(reply);

let data: ImageData | undefined;
let run: MnistRun | undefined;
let running = false;
// A step scheduled for a run that has since been replaced is dropped.
let generation = 0;
let queue = Promise.resolve();

/** One outer iteration per macrotask, so that pause and new settings are read in between. */
const next = (forGeneration: number) => {
  if (!running || !run || forGeneration !== generation) return;
  const { run: stepped, point } = stepMnistRun(run);
  run = stepped;
  const finished = mnistFinished(run);
  if (finished) running = false;
  post({ type: 'progress', point, iterations: run.trainer.iterations, finished });
  if (running) setTimeout(() => next(forGeneration), 0);
};

const handle = async (request: MnistRequest) => {
  switch (request.type) {
    case 'settings': {
      generation++;
      running = false;
      if (!data) {
        const backend = await chooseBackend(request.backend);
        const response = await fetch(request.digitsUrl);
        if (!response.ok) throw new Error(`${request.digitsUrl}: HTTP ${response.status}`);
        data = await decodeDigits(new Uint8Array(await response.arrayBuffer()));
        post({
          type: 'backend',
          backend,
          formulation: resolveFormulation('auto'),
          train: data.train.labels.length,
          validation: data.validation.labels.length,
        });
      }
      if (run) run.trainer.dispose(run.state);
      const iterations = request.iterations ?? MNIST_PAGE_SETTINGS.iterations;
      const settings = runSettingsSchema.parse({
        ...MNIST_PAGE_SETTINGS,
        iterations,
        evalEvery: iterations,
        seed: request.seed ?? MNIST_PAGE_SETTINGS.seed,
      });
      run = createMnistRun(data, settings);
      post({ type: 'ready', point: firstPoint(run), iterations });
      return;
    }
    case 'start':
      if (running || !run || mnistFinished(run)) return;
      running = true;
      return next(generation);
    case 'pause':
      running = false;
      return;
  }
};

scope.onmessage = (event) => {
  queue = queue.then(() =>
    handle(event.data).catch((error: unknown) =>
      post({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
    ),
  );
};
