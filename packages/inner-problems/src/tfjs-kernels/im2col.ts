/** The geometry of a 2-D convolution over NHWC images: tfjs's `backend_util.Conv2DInfo` is one. */
export interface ConvGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
}

/**
 * The image patches of a convolution, transposed: row k = (fy, fx, c) — a filter's weight, in
 * the filter's [fh, fw, inC] order — and column m = (n, oy, ox) — an output position — hold
 * x[n, oy·sh − top + fy·dh, ox·sw − left + fx·dw, c], or 0 in the padding. So the filter
 * gradient is one plain matMul, dW[k, :] = Pᵀ[k, :] · dy[m, :], with the long M = N·oh·ow axis
 * inside the product and no transpose left to the matMul. `out` (K × M) is written in full.
 */
export function im2colTransposed(x: Float32Array, g: ConvGeometry, out: Float32Array): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = g;
  const columns = g.batchSize * outHeight * outWidth;
  for (let n = 0; n < g.batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const m = (n * outHeight + oy) * outWidth + ox;
        for (let fy = 0; fy < filterHeight; fy++) {
          const iy = oy * g.strideHeight - g.padInfo.top + fy * g.dilationHeight;
          for (let fx = 0; fx < filterWidth; fx++) {
            const ix = ox * g.strideWidth - g.padInfo.left + fx * g.dilationWidth;
            const row = (fy * filterWidth + fx) * inChannels;
            const inside = iy >= 0 && iy < inHeight && ix >= 0 && ix < inWidth;
            const from = ((n * inHeight + iy) * inWidth + ix) * inChannels;
            for (let c = 0; c < inChannels; c++)
              out[(row + c) * columns + m] = inside ? x[from + c]! : 0;
          }
        }
      }
    }
  }
}
