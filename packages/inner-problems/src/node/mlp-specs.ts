import type { RunDefaults, TaskOptions, TaskSpec } from '@pes/core';
import { imageClassificationTask, type Objective } from '../mlp/image-classification.js';
import { parseArchitecture, type Activation } from '../mlp/network.js';
import { momentumTensor } from '../mlp/tensor-optimizers.js';
import { constantLearningRateRule } from '../mlp/update-rule.js';
import { loadImageData, type DatasetName } from './load.js';

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;
const OBJECTIVES = ['train-loss', 'val-loss', 'val-accuracy'] as const;

function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`unknown ${what} '${value}'; known: ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * A quick HPO task on a real network: θ = [log learning rate] of SGD with momentum 0.9 training
 * an MLP classifier; every particle trains its own copy. Sized for a 2-core machine.
 */
function constantLearningRateSpec(name: string, dataset: DatasetName, inputs: number): TaskSpec {
  const defaults: RunDefaults = {
    estimator: 'pes',
    dataset,
    arch: `${inputs}-100-100-10`,
    batchSize: 100,
    activation: 'relu',
    objective: 'train-loss',
    horizon: 1000,
    unrollLength: 10,
    particles: 8,
    sigma: 0.1,
    antithetic: true,
    stagger: true,
    fitnessShaping: false,
    outerOptimizer: 'adam',
    outerLr: 0.05,
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
    description: `log learning rate of momentum SGD training an MLP on ${dataset === 'mnist' ? 'MNIST' : 'CIFAR-10'} (tfjs)`,
    defaults,
    options: ['dataset', 'dataDir', 'arch', 'batchSize', 'activation', 'objective'],
    usesTensors: true,
    create(options: TaskOptions) {
      const data = loadImageData({
        dataset: oneOf('dataset', options.dataset ?? dataset, ['mnist', 'cifar10'] as const),
        ...(options.dataDir ? { dir: options.dataDir } : {}),
      });
      return imageClassificationTask({
        name,
        data,
        architecture: parseArchitecture(options.arch ?? defaults.arch!),
        activation: oneOf<Activation>('activation', options.activation ?? 'relu', ACTIVATIONS),
        batchSize: options.batchSize ?? 100,
        horizon: options.horizon ?? defaults.horizon!,
        rule: constantLearningRateRule(momentumTensor(0.9), 0.01),
        objective: oneOf<Objective>('objective', options.objective ?? 'train-loss', OBJECTIVES),
      });
    },
  };
}

export const mnistMlpTaskSpec = constantLearningRateSpec('mnist-mlp', 'mnist', 784);
export const cifar10MlpTaskSpec = constantLearningRateSpec('cifar10-mlp', 'cifar10', 3072);
