#!/usr/bin/env node
// Ships a finished `lopt-family` run as the learned optimizer inside @pes/learned-opt:
//   node tools/ship-family-weights.mjs runs/lopt-family
// writes packages/learned-opt/src/family-weights.ts (θ, the step-feature limit and where they
// came from) and packages/learned-opt/weights/lopt-family.json (the same weights as a file).
// The run must be the one packages/learned-opt/weights/lopt-family.yaml describes.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/ship-family-weights.mjs RUN_DIR');
  process.exit(2);
}
const read = (file) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const weights = read('learned-optimizer.json');
const result = read('result.json');
if (result.task !== 'lopt-family') {
  console.error(`${dir} is a ${result.task} run, not lopt-family`);
  process.exit(2);
}
if (result.iterations !== result.config.iterations) {
  console.error(`${dir} stopped at iteration ${result.iterations} of ${result.config.iterations}`);
  process.exit(2);
}
const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map(JSON.parse);
const seconds = metrics.at(-1)?.elapsedSeconds ?? metrics.at(-1)?.seconds ?? null;
// θ after the first iterations, as a fingerprint a test can recompute in seconds (the whole run
// takes most of an hour): the same command, cut short, must reach it bit for bit.
const EARLY = 2;
const early = metrics.find((m) => m.iteration === EARLY);
if (!early) {
  console.error(`${dir}/metrics.jsonl has no iteration ${EARLY}`);
  process.exit(2);
}
const sha256 = (theta) =>
  createHash('sha256')
    .update(new Uint8Array(Float64Array.from(theta).buffer))
    .digest('hex');
const provenance = {
  early: { iteration: EARLY, thetaSha256: sha256(early.theta) },
  thetaSha256: sha256(weights.theta),
  command:
    'npx pes meta-train --config packages/learned-opt/weights/lopt-family.yaml --out runs/lopt-family',
  config: result.config,
  seconds,
  initial: {
    evalLoss: result.initial.evalLoss,
    valLoss: result.initial.valLoss,
    valAccuracy: result.initial.valAccuracy,
  },
  final: {
    evalLoss: result.final.evalLoss,
    valLoss: result.final.valLoss,
    valAccuracy: result.final.valAccuracy,
  },
};
writeFileSync('packages/learned-opt/weights/lopt-family.json', `${JSON.stringify(weights)}\n`);
const numbers = (xs) => xs.map((x) => JSON.stringify(x)).join(',\n    ');
writeFileSync(
  'packages/learned-opt/src/family-weights.ts',
  `// Written by tools/ship-family-weights.mjs from a finished lopt-family run; do not edit by hand.
// θ is stored as JSON writes doubles (the shortest decimal that reads back to the same bits).

/** The learned optimizer meta-trained over the task family of weights/lopt-family.yaml. */
export const FAMILY_WEIGHTS = {
  format: ${JSON.stringify(weights.format)},
  version: ${JSON.stringify(weights.version)},
  architecture: ${JSON.stringify(weights.architecture)},
  stepFeatureLimit: ${JSON.stringify(weights.stepFeatureLimit)},
  theta: [
    ${numbers(weights.theta)},
  ],
};

/** How FAMILY_WEIGHTS were made: the command, its settings, its time and its figures. */
export const FAMILY_WEIGHTS_PROVENANCE = ${JSON.stringify(provenance, null, 2)};
`,
);
console.log(
  `shipped θ of ${dir} (${weights.theta.length} numbers, step features held at ${weights.stepFeatureLimit})`,
);
