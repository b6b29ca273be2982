/** Per-component mean and standard error of the mean of repeated vector estimates. */
export function meanAndStandardError(samples: Float64Array[]): {
  mean: Float64Array;
  se: Float64Array;
} {
  const dim = samples[0]!.length;
  const n = samples.length;
  const mean = new Float64Array(dim);
  for (const s of samples) for (let j = 0; j < dim; j++) mean[j]! += s[j]! / n;
  const se = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    let ss = 0;
    for (const s of samples) ss += (s[j]! - mean[j]!) ** 2;
    se[j] = Math.sqrt(ss / (n - 1) / n);
  }
  return { mean, se };
}

/**
 * The largest |mean − truth| / SE over components: how many standard errors the mean of the
 * estimates lies from the truth. `truths` may give one truth per sample (when the truth
 * depends on that sample's random staggering); the test is then on the mean difference.
 */
export function standardErrorsFromTruth(
  samples: Float64Array[],
  truths: Float64Array | Float64Array[],
): number {
  const differences = samples.map((s, i) => {
    const truth = Array.isArray(truths) ? truths[i]! : truths;
    return s.map((v, j) => v - truth[j]!);
  });
  const { mean, se } = meanAndStandardError(differences);
  let worst = 0;
  for (let j = 0; j < mean.length; j++) worst = Math.max(worst, Math.abs(mean[j]!) / se[j]!);
  return worst;
}

/** Total variance (trace of the covariance) of repeated vector estimates. */
export function totalVariance(samples: Float64Array[]): number {
  const { se } = meanAndStandardError(samples);
  let v = 0;
  for (const s of se) v += s * s * samples.length;
  return v;
}

export function addInto(target: Float64Array, x: Float64Array): void {
  for (let j = 0; j < target.length; j++) target[j]! += x[j]!;
}
