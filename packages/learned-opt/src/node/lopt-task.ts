import { makeKey, type RunDefaults, type TaskSpec } from '@pes/core';
import { imageClassificationTask, parseArchitecture } from '@pes/inner-problems';
import { loadImageData, type DatasetName } from '@pes/inner-problems/node';
import { join } from 'node:path';
import { initialMlpLoptTheta, mlpLearnedOptimizerRule } from '../mlp-lopt.js';
import { saveLearnedOptimizer } from './weights-file.js';

/** θ of a fresh learned optimizer: the same draw for every run, so runs start alike. */
const THETA_KEY = makeKey(1762);

/** The θ every `lopt-*` meta-training run starts from: the untrained learned optimizer. */
export function initialLoptTheta(): Float64Array {
  return initialMlpLoptTheta(THETA_KEY);
}

function loptSpec(name: string, dataset: DatasetName): TaskSpec {
  const defaults: RunDefaults = {
    estimator: 'pes',
    dataset,
    arch: dataset === 'mnist' ? '784-32-10' : '3072-32-10',
    batchSize: 32,
    activation: 'relu',
    objective: 'val-loss',
    horizon: 200,
    unrollLength: 10,
    particles: 8,
    sigma: 0.01,
    antithetic: true,
    stagger: true,
    fitnessShaping: false,
    outerOptimizer: 'adam',
    outerLr: 3e-4,
    adamB1: 0.9,
    adamB2: 0.999,
    momentum: 0.9,
    clipNorm: 0,
    iterations: 100,
    evalEvery: 25,
    checkpointEvery: 10,
    seed: 0,
  };
  return {
    name,
    description: `MLP learned optimizer (θ: 1,762 numbers) training an MLP on ${dataset === 'mnist' ? 'MNIST' : 'CIFAR-10'}; meta-loss on held-out data`,
    defaults,
    options: ['dataset', 'dataDir', 'arch', 'batchSize', 'activation', 'objective'],
    usesTensors: true,
    saveArtifacts(theta, dir) {
      const file = join(dir, 'learned-optimizer.json');
      saveLearnedOptimizer(file, theta);
      return [file];
    },
    create(options) {
      const data = loadImageData({
        dataset: (options.dataset as DatasetName | undefined) ?? dataset,
        ...(options.dataDir ? { dir: options.dataDir } : {}),
      });
      return imageClassificationTask({
        name,
        data,
        architecture: parseArchitecture(options.arch ?? defaults.arch!),
        activation: 'relu',
        batchSize: options.batchSize ?? defaults.batchSize!,
        horizon: options.horizon ?? defaults.horizon!,
        rule: mlpLearnedOptimizerRule(initialLoptTheta()),
        objective:
          (options.objective as 'train-loss' | 'val-loss' | 'val-accuracy' | undefined) ??
          'val-loss',
      });
    },
  };
}

export const loptMnistTaskSpec = loptSpec('lopt-mnist', 'mnist');
export const loptCifar10TaskSpec = loptSpec('lopt-cifar10', 'cifar10');
