import * as tf from '@tensorflow/tfjs';
import { makeKey } from '@pes/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamTensor, convNetwork, registerWasmConvGradients, trainNetwork } from '../src/index.js';
import { loadImageData } from '../src/node/index.js';
import { batchOf, expectCentralDifferences } from './classifier-checks.js';

const mnist = { size: 28, channels: 1, classes: 10 };

describe('convNetwork', () => {
  beforeAll(() => registerWasmConvGradients());

  it('has the gradient of its loss: central differences on the cpu backend agree', async () => {
    await tf.setBackend('cpu');
    const net = convNetwork({ ...mnist, filters: [2, 3] });
    const params = net.init(makeKey(1));
    const batch = batchOf(2, 4, 784);
    expectCentralDifferences(net, params, batch);
    tf.dispose([...params, batch.x, batch.xT, batch.y]);
  });

  it('gives the cpu backend’s gradients on WebAssembly (3 channels, as CIFAR-10’s planes)', async () => {
    const net = convNetwork({ size: 32, channels: 3, classes: 10 });
    const gradients = async (backend: string) => {
      await tf.setBackend(backend);
      const params = net.init(makeKey(3));
      const batch = batchOf(4, 5, 3072);
      const out = tf.tidy(() => net.lossAndGradients(params, batch).grads.map((g) => g.dataSync()));
      tf.dispose([...params, batch.x, batch.xT, batch.y]);
      return out;
    };
    const cpu = await gradients('cpu');
    const wasm = await gradients('wasm');
    cpu.forEach((c, i) => {
      const scale = Math.max(...Array.from(c, Math.abs));
      const worst = Math.max(...Array.from(c, (v, j) => Math.abs(v - wasm[i]![j]!)));
      expect(worst).toBeLessThan(1e-5 * scale);
    });
  });

  it('trains on MNIST under trainNetwork (Adam), reproducibly, and leaks no tensor', async () => {
    await tf.setBackend('wasm');
    const data = loadImageData({ dataset: 'mnist' });
    const run = () =>
      trainNetwork({
        network: convNetwork(mnist),
        data,
        batchSize: 32,
        steps: 40,
        evalEvery: 40,
        trainRecords: 500,
        optimizer: adamTensor().withLearningRate(3e-3),
        key: makeKey(7),
      });
    const before = tf.memory().numTensors;
    const first = run();
    expect(tf.memory().numTensors).toBe(before);
    expect(first.final.trainLoss).toBeLessThan(0.5 * first.curve[0]!.trainLoss);
    expect(first.final.valAccuracy).toBeGreaterThan(0.6);
    expect(run()).toEqual(first);
  });
});
