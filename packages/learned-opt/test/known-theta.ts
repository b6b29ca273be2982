import { mlpLoptLayout } from '../src/index.js';

/**
 * A θ whose MLP outputs direction = c · (gradient / its RMS over the tensor) and magnitude 0:
 * hidden units carry relu(±ĝ) through, the output takes their difference. A known descent rule
 * to check the adapter with.
 */
export function normalisedGradientTheta(c: number): Float64Array {
  const { blocks, dim } = mlpLoptLayout();
  const theta = new Float64Array(dim);
  const [w1, , w2, , w3] = blocks as { offset: number; shape: number[] }[];
  const normalisedGradient = 0; // features: g, p, six momenta (each over its RMS), then 11 step features
  const hidden = 32;
  theta[w1!.offset + normalisedGradient * hidden + 0] = 1;
  theta[w1!.offset + normalisedGradient * hidden + 1] = -1;
  theta[w2!.offset + 0 * hidden + 0] = 1;
  theta[w2!.offset + 1 * hidden + 1] = 1;
  theta[w3!.offset + 0 * 2 + 0] = c;
  theta[w3!.offset + 1 * 2 + 0] = -c;
  return theta;
}
