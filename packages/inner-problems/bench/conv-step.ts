/**
 * A conv training step's time on WebAssembly (with this package's gradient kernels) next to
 * the cpu backend's:
 *   npx tsx packages/inner-problems/bench/conv-step.ts [--batch 32] [--steps 5]
 * Prints one line per backend: median and all step times in ms.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmConvGradients, timeConvTrainingStep } from '../src/index.js';

const { values } = parseArgs({
  options: { batch: { type: 'string', default: '32' }, steps: { type: 'string', default: '5' } },
});
const batchSize = Number(values.batch);
const steps = Number(values.steps);

registerWasmConvGradients();
const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
console.log(`conv classifier (conv16-pool-conv32-pool-dropout-dense), batch ${batchSize}, Adam`);
for (const backend of ['wasm', 'cpu']) {
  await tf.setBackend(backend);
  await tf.ready();
  const t = await timeConvTrainingStep(batchSize, steps);
  console.log(
    `${backend.padEnd(5)} ${median(t.ms).toFixed(1).padStart(9)} ms/step (median of ${steps}: ${t.ms.map((m) => m.toFixed(0)).join(', ')}); loss ${t.loss.toFixed(4)}`,
  );
}
