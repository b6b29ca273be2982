import type * as tf from '@tensorflow/tfjs';

/**
 * The layers of a model that have trainable weights, in order, and for each of the model's
 * trainable weights the index of its layer among them: what a per-layer hyperparameter's
 * values are indexed by.
 */
export function trainableLayers(model: tf.LayersModel): {
  names: string[];
  /** Per entry of `model.trainableWeights`. */
  layerOf: number[];
} {
  const names: string[] = [];
  const index = new Map<unknown, number>();
  for (const layer of model.layers) {
    if (layer.trainableWeights.length === 0) continue;
    for (const w of layer.trainableWeights) index.set(w, names.length);
    names.push(layer.name);
  }
  const layerOf = model.trainableWeights.map((w) => {
    const l = index.get(w);
    if (l === undefined) throw new RangeError(`model: weight ${w.name} belongs to no layer`);
    return l;
  });
  return { names, layerOf };
}
