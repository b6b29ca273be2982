import { defineTask, type TaskSpec } from '@pes/core';
import { imageTaskFigures, imageTaskMemory, sharedImageData } from '@pes/inner-problems/tasks';
import { loptTaskOptions } from './lopt-options.js';

function loptSpec(name: string, dataset: 'mnist' | 'cifar10'): TaskSpec {
  return defineTask({
    name,
    description: `MLP learned optimizer (θ: 1,762 numbers) training an MLP on ${dataset === 'mnist' ? 'MNIST' : 'CIFAR-10'}; meta-loss on held-out data`,
    options: loptTaskOptions,
    defaults: {
      horizon: 200,
      dataset,
      arch: dataset === 'mnist' ? '784-32-10' : '3072-32-10',
      batchSize: 32,
      objective: 'val-loss',
      sigma: 0.01,
      outerLr: 3e-4,
    },
    figures: imageTaskFigures,
    usesTensors: true,
    // Measured with pes bench backends: the learned optimizer's update is hundreds of small ops a
    // step, which tfjs-node dispatches at about twice wasm's cost; wasm was 1.3–1.8× faster.
    preferredBackend: () => 'wasm',
    parallel: true,
    memory: (settings) => imageTaskMemory(settings),
    sharedData: (options) => sharedImageData(options),
    async create(options, shared) {
      const { loptTask } = await import('./lopt-task.js');
      return loptTask(name, options, shared);
    },
    async artifacts(theta) {
      const { learnedOptimizerJson } = await import('./weights-file.js');
      return [{ file: 'learned-optimizer.json', contents: learnedOptimizerJson(theta) }];
    },
  });
}

export const loptMnistTaskSpec = loptSpec('lopt-mnist', 'mnist');
export const loptCifar10TaskSpec = loptSpec('lopt-cifar10', 'cifar10');
