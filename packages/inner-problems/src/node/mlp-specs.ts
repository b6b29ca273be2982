import { defineTask, type TaskMemory, type TaskSpec } from '@pes/core';
import { shareImageData, type ImageData } from '../data/dataset.js';
import { imageTaskOptions, type ImageTaskOptions } from '../mlp/options.js';
import type { InnerUpdateRule } from '../mlp/update-rule.js';

/**
 * An image task's options once its run is resolved: the fields every image task's spec gives a
 * default are present (the spec's `defaults` say their values).
 */
export type ResolvedImageTaskOptions = ImageTaskOptions &
  Required<
    Pick<
      ImageTaskOptions,
      'dataset' | 'horizon' | 'batchSize' | 'arch' | 'activation' | 'objective'
    >
  >;

/** The figures every image task's evaluation reports beside `evalLoss`. */
export const imageTaskFigures = [
  { key: 'valAccuracy', label: 'val accuracy' },
  { key: 'valLoss', label: 'val loss' },
];

/**
 * The image task an options record describes, the implementation (tfjs, the dataset loaders)
 * loaded on first use. `rule` is what is meta-learned inside it.
 */
export async function createImageTask(
  name: string,
  options: ResolvedImageTaskOptions,
  rule: (features: number) => Promise<InnerUpdateRule>,
  shared?: unknown,
) {
  const [{ loadImageData }, { imageClassificationTask }, { parseArchitecture }] = await Promise.all(
    [import('./load.js'), import('../mlp/image-classification.js'), import('../mlp/network.js')],
  );
  // Data a run's threads share (sharedImageData), or this thread's own load.
  const data = (shared as ImageData | undefined) ?? loadImageData(imageDataOptions(options));
  return imageClassificationTask({
    name,
    data,
    architecture: parseArchitecture(options.arch),
    activation: options.activation,
    batchSize: options.batchSize,
    horizon: options.horizon,
    rule: await rule(data.train.features),
    objective: options.objective,
    ...(options.formulation ? { formulation: options.formulation } : {}),
  });
}

/** Where an image task's data comes from. */
export function imageDataOptions(options: Pick<ResolvedImageTaskOptions, 'dataset' | 'dataDir'>) {
  return {
    dataset: options.dataset,
    ...(options.dataDir ? { dir: options.dataDir } : {}),
  };
}

/**
 * An image task's data loaded once, its bytes in SharedArrayBuffers: what `sharedData` gives a
 * run's worker threads, so that they hold one copy between them.
 */
export async function sharedImageData(
  options: Pick<ResolvedImageTaskOptions, 'dataset' | 'dataDir'>,
): Promise<ImageData> {
  const { loadImageData } = await import('./load.js');
  return shareImageData(loadImageData(imageDataOptions(options)));
}

/** Records of each dataset (training and test) and the numbers of one record. */
const DATASET_SIZES = {
  mnist: { records: 70_000, features: 784 },
  cifar10: { records: 60_000, features: 3072 },
} as const;

/**
 * What an image task's run holds: the dataset as float32 once, and per particle a network in
 * float32 (its weights, the inner optimizer's slot, the gradient and a copy in flight) and a
 * minibatch's activations forward and back, the minibatch itself held twice.
 */
export function imageTaskMemory(
  options: Pick<ResolvedImageTaskOptions, 'dataset' | 'batchSize'> & Pick<ImageTaskOptions, 'arch'>,
): TaskMemory {
  const data = DATASET_SIZES[options.dataset];
  // A task whose dataset may change (mnist-lr-schedule) leaves the network to fit the data.
  const sizes = (options.arch ?? `${data.features}-100-100-10`).split('-').map(Number);
  let parameters = 0;
  for (let i = 1; i < sizes.length; i++) parameters += (sizes[i - 1]! + 1) * sizes[i]!;
  const units = sizes.reduce((a, b) => a + b, 0);
  const batch = options.batchSize;
  const FLOAT32 = 4;
  return {
    perParticle: FLOAT32 * (4 * parameters + 2 * batch * units + 2 * batch * sizes[0]!),
    shared: FLOAT32 * data.records * data.features,
  };
}

/**
 * A quick HPO task on a real network: θ = [log learning rate] of SGD with momentum 0.9 training
 * an MLP classifier; every particle trains its own copy. Sized for a 2-core machine.
 */
function constantLearningRateSpec(
  name: string,
  dataset: 'mnist' | 'cifar10',
  inputs: number,
): TaskSpec {
  return defineTask({
    name,
    description: `log learning rate of momentum SGD training an MLP on ${dataset === 'mnist' ? 'MNIST' : 'CIFAR-10'} (tfjs)`,
    options: imageTaskOptions,
    defaults: {
      horizon: 1000,
      dataset,
      arch: `${inputs}-100-100-10`,
      batchSize: 100,
      activation: 'relu',
      objective: 'train-loss',
      outerLr: 0.05,
    },
    figures: imageTaskFigures,
    usesTensors: true,
    parallel: true,
    memory: (settings) => imageTaskMemory(settings),
    sharedData: (options) => sharedImageData(options),
    create: (options, shared) =>
      createImageTask(
        name,
        options,
        async () => {
          const [{ momentumTensor }, { constantLearningRateRule }] = await Promise.all([
            import('../mlp/tensor-optimizers.js'),
            import('../mlp/update-rule.js'),
          ]);
          return constantLearningRateRule(momentumTensor(0.9), 0.01);
        },
        shared,
      ),
  });
}

export const mnistMlpTaskSpec = constantLearningRateSpec('mnist-mlp', 'mnist', 784);
export const cifar10MlpTaskSpec = constantLearningRateSpec('cifar10-mlp', 'cifar10', 3072);
