import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeModelFiles } from '@pes/hpo/node';

/**
 * What a user brings to `pes tune`: a small tfjs-layers classifier saved as model.save writes
 * it (model.json and weights.bin), training and validation CSV files of three Gaussian classes
 * in 4 features with string labels, and a search space whose initial learning rate (1e-3) is
 * far too small for 60 steps. Written into `dir`; returns the paths.
 */
export async function writeTuneFixtures(dir: string) {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 16, activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  await writeModelFiles(dir, model);
  model.dispose();
  // A fixed linear congruential generator and Box–Muller: the same files on every machine.
  let seed = 1;
  const uniform = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const names = ['setosa', 'versicolor', 'virginica'];
  const rows = (n: number) => {
    const lines = ['a,b,c,d,species'];
    for (let i = 0; i < n; i++) {
      const k = i % 3;
      const x = [0, 1, 2, 3].map((j) => (k === j % 3 ? 1.5 : 0) + gauss());
      lines.push(`${x.map((v) => v.toFixed(4)).join(',')},${names[k]}`);
    }
    return `${lines.join('\n')}\n`;
  };
  const paths = {
    model: join(dir, 'model.json'),
    train: join(dir, 'train.csv'),
    validation: join(dir, 'validation.csv'),
    space: join(dir, 'space.yaml'),
  };
  writeFileSync(paths.train, rows(600));
  writeFileSync(paths.validation, rows(300));
  writeFileSync(
    paths.space,
    'learningRate: { schedule: piecewise-log-linear, initial: 0.001 }\nmomentum: { range: [0, 0.99], initial: 0.5 }\n',
  );
  return paths;
}
