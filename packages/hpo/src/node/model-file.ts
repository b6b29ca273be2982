import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataError } from '@pes/inner-problems';

/**
 * A tfjs-layers model from the `model.json` that `model.save('file://DIR')` writes: its topology
 * only. Tuning draws the weights afresh from its keys (`freshWeights`), so the
 * saved weights (the .bin files beside it) are not read. A file that is not a tfjs-layers model
 * is a DataError (one line, exit 2), never a stack from deep in tfjs.
 */
export async function loadModelTopology(path: string): Promise<tf.LayersModel> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      code
        ? `--model ${path}: cannot read it (${code})`
        : `--model ${path}: not JSON (${(error as Error).message})`,
    );
  }
  const topology = (json as { modelTopology?: unknown } | null)?.modelTopology;
  if (typeof topology !== 'object' || topology === null) {
    throw new DataError(
      `--model ${path}: not a tfjs-layers model.json (no modelTopology; write one with model.save('file://DIR'))`,
    );
  }
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({
      modelTopology: topology as tf.io.ModelJSON['modelTopology'],
    });
  } catch (error) {
    throw new DataError(`--model ${path}: tfjs cannot build it (${(error as Error).message})`);
  }
  return model;
}

/** The shape of one input record of `model` (without the batch dimension), and its size. */
export function inputShapeOf(model: tf.LayersModel): { shape: number[]; size: number } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new DataError(
      `model: ${model.inputs.length} inputs and ${model.outputs.length} outputs; tuning takes models with one of each`,
    );
  }
  const shape = model.inputs[0]!.shape.slice(1);
  if (shape.some((d) => d === null)) {
    throw new DataError(`model: its input shape [${shape.join(', ')}] is not fully known`);
  }
  const dims = shape as number[];
  return { shape: dims, size: dims.reduce((a, b) => a * b, 1) };
}

/** The number of values the model outputs per record (its classes, or 1). */
export function outputUnitsOf(model: tf.LayersModel): number {
  const shape = model.outputs[0]!.shape;
  const units = shape[shape.length - 1];
  if (shape.length !== 2 || typeof units !== 'number') {
    throw new DataError(
      `model: its output shape [${shape.join(', ')}] is not [batch, units]; tuning takes classifiers and regressors`,
    );
  }
  return units;
}

/**
 * Writes `model` into `dir` as `model.save('file://DIR')` does (model.json with its topology and
 * weights manifest, and weights.bin) through tfjs's handler API, so it needs no tfjs-node; returns
 * model.json's path.
 */
export async function writeModelFiles(dir: string, model: tf.LayersModel): Promise<string> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const manifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs! }];
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: manifest }),
      );
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}
