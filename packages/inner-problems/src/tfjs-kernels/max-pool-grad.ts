/** The geometry of a 2-D pooling over NHWC images: tfjs's `backend_util.Conv2DInfo` is one. */
export interface PoolGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  effectiveFilterHeight: number;
  effectiveFilterWidth: number;
  padInfo: { top: number; left: number };
}

/**
 * Max pooling's input gradient: each dy goes to the first largest x of its window (in row
 * order, padding never chosen, as the cpu backend's `maxPoolPositions`), summed where windows
 * overlap. `dx` is written in full.
 */
export function maxPoolGradient(
  x: Float32Array,
  dy: Float32Array,
  g: PoolGeometry,
  dx: Float32Array,
): void {
  dx.fill(0);
  const channels = g.inChannels;
  for (let n = 0; n < g.batchSize; n++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      const top = oy * g.strideHeight - g.padInfo.top;
      for (let ox = 0; ox < g.outWidth; ox++) {
        const left = ox * g.strideWidth - g.padInfo.left;
        for (let c = 0; c < channels; c++) {
          let max = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let fy = 0; fy < g.effectiveFilterHeight; fy += g.dilationHeight) {
            const iy = top + fy;
            if (iy < 0 || iy >= g.inHeight) continue;
            for (let fx = 0; fx < g.effectiveFilterWidth; fx += g.dilationWidth) {
              const ix = left + fx;
              if (ix < 0 || ix >= g.inWidth) continue;
              const i = ((n * g.inHeight + iy) * g.inWidth + ix) * channels + c;
              if (x[i]! > max) {
                max = x[i]!;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at]! += dy[((n * g.outHeight + oy) * g.outWidth + ox) * channels + c]!;
        }
      }
    }
  }
}
