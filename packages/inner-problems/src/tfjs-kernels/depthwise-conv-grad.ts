import type { ConvGeometry } from './im2col.js';

/**
 * The geometry of a depthwise convolution (tfjs's depthwise `backend_util.Conv2DInfo` is one):
 * input channel c with multiplier m gives output channel c·M + m, M = outChannels / inChannels,
 * so a filter [fh, fw, inC, M] laid out flat has its (c, m) at the same offset as dy's channel.
 */
export interface DepthwiseGeometry extends ConvGeometry {
  outChannels: number;
}

/**
 * Dilations other than 1 are refused: tfjs-core's gradient of depthwiseConv2d refuses them
 * before a kernel runs, so no caller and no reference to test against has them.
 */
export function assertUndilated(g: DepthwiseGeometry): void {
  if (g.dilationHeight !== 1 || g.dilationWidth !== 1)
    throw new Error(
      `depthwise convolution gradients on wasm: dilations must be 1, got [${g.dilationHeight}, ${g.dilationWidth}]`,
    );
}

/**
 * The filter gradient, dW[fy, fx, c, m] = Σ_{n, oy, ox} x[n, oy·sh − top + fy, ox·sw − left + fx, c]
 * · dy[n, oy, ox, c·M + m], padding contributing nothing. Each sum runs in a double, as the cpu
 * backend's does, so a long N·oh·ow axis does not pile up float32 rounding. `dw` is written in
 * full.
 */
export function depthwiseConvFilterGradient(
  x: Float32Array,
  dy: Float32Array,
  g: DepthwiseGeometry,
  dw: Float32Array,
): void {
  assertUndilated(g);
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = g;
  const multiplier = outChannels / inChannels;
  for (let fy = 0; fy < g.filterHeight; fy++) {
    for (let fx = 0; fx < g.filterWidth; fx++) {
      const row = (fy * g.filterWidth + fx) * outChannels;
      for (let k = 0; k < outChannels; k++) {
        const c = Math.floor(k / multiplier);
        let sum = 0;
        for (let n = 0; n < g.batchSize; n++) {
          for (let oy = 0; oy < outHeight; oy++) {
            const iy = oy * g.strideHeight - g.padInfo.top + fy;
            if (iy < 0 || iy >= inHeight) continue;
            for (let ox = 0; ox < outWidth; ox++) {
              const ix = ox * g.strideWidth - g.padInfo.left + fx;
              if (ix < 0 || ix >= inWidth) continue;
              sum +=
                x[((n * inHeight + iy) * inWidth + ix) * inChannels + c]! *
                dy[((n * outHeight + oy) * outWidth + ox) * outChannels + k]!;
            }
          }
        }
        dw[row + k] = sum;
      }
    }
  }
}

/**
 * The input gradient, dx[n, iy, ix, c] = Σ dy[n, oy, ox, c·M + m] · w[fy, fx, c, m] over the
 * output positions whose window holds (iy, ix) — fy = iy + top − oy·sh in [0, fh), the same for
 * x — and over m. Gathered per pixel into doubles, so `dx` is written once and in full.
 */
export function depthwiseConvInputGradient(
  dy: Float32Array,
  filter: Float32Array,
  g: DepthwiseGeometry,
  dx: Float32Array,
): void {
  assertUndilated(g);
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = g;
  const multiplier = outChannels / inChannels;
  const sums = new Float64Array(inChannels);
  for (let n = 0; n < g.batchSize; n++) {
    for (let iy = 0; iy < inHeight; iy++) {
      const y = iy + g.padInfo.top;
      const oyFirst = Math.max(0, Math.ceil((y - g.filterHeight + 1) / g.strideHeight));
      const oyLast = Math.min(outHeight - 1, Math.floor(y / g.strideHeight));
      for (let ix = 0; ix < inWidth; ix++) {
        const x = ix + g.padInfo.left;
        const oxFirst = Math.max(0, Math.ceil((x - g.filterWidth + 1) / g.strideWidth));
        const oxLast = Math.min(outWidth - 1, Math.floor(x / g.strideWidth));
        sums.fill(0);
        for (let oy = oyFirst; oy <= oyLast; oy++) {
          const fy = y - oy * g.strideHeight;
          for (let ox = oxFirst; ox <= oxLast; ox++) {
            const fx = x - ox * g.strideWidth;
            const from = ((n * outHeight + oy) * outWidth + ox) * outChannels;
            const row = (fy * g.filterWidth + fx) * outChannels;
            for (let k = 0; k < outChannels; k++)
              sums[Math.floor(k / multiplier)]! += dy[from + k]! * filter[row + k]!;
          }
        }
        const to = ((n * inHeight + iy) * inWidth + ix) * inChannels;
        for (let c = 0; c < inChannels; c++) dx[to + c] = sums[c]!;
      }
    }
  }
}
