import * as tf from '@tensorflow/tfjs';

/** Saves in memory; the JSON part goes through text, as a file or an HTTP body would. */
export async function saveToMemory(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: true },
  );
  const { weightData, ...json } = saved!;
  return { ...(JSON.parse(JSON.stringify(json)) as tf.io.ModelArtifacts), weightData };
}
