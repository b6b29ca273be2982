import * as tf from '@tensorflow/tfjs';
import {
  assertUndilated,
  depthwiseConvFilterGradient,
  depthwiseConvInputGradient,
} from './depthwise-conv-grad.js';
import { im2colTransposed } from './im2col.js';
import { maxPoolGradient } from './max-pool-grad.js';

/**
 * Gradient kernels that tfjs's WebAssembly backend lacks or gets wrong (tfjs-backend-wasm 4.22):
 * without `Conv2DBackpropFilter` no conv layer trains on it, without
 * `DepthwiseConv2dNativeBackpropFilter`/`Input` no depthwise or separable conv layer, and its
 * `MaxPoolGrad` drops the gradient of windows whose maximum is negative (a 1×1 window at
 * stride 3 loses every one; see the test). Its `Conv2DBackpropInput` and `AvgPoolGrad` are tested equal to the cpu backend's
 * beside these.
 */
const WASM = 'wasm';

/** The parts of tfjs-backend-wasm's `BackendWasm` a kernel here uses. */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.TensorInfo['dataId']): boolean;
}

/** Runs another kernel of the wasm backend, as the backend's own composite kernels do. */
function wasmKernel(
  name: string,
  inputs: tf.NamedTensorInfoMap,
  backend: WasmBackend,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const kernel = tf.getKernel(name, WASM);
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** What tfjs hands a kernel function. */
interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/**
 * dW = im2col(x)ᵀ · dy as one [K, M] × [M, outC] matMul (K = fh·fw·inC, M = N·oh·ow),
 * reshaped to the filter's [fh, fw, inC, outC]: the same plain 2-D product the project's MLP
 * backward is made of, on XNNPACK's matMul.
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW')
    throw new Error('Conv2DBackpropFilter on wasm: only NHWC (channels last) images');
  const g = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const rows = g.filterHeight * g.filterWidth * g.inChannels;
  const columns = g.batchSize * g.outHeight * g.outWidth;
  const patches = wasm.makeOutput([1, rows, columns], 'float32');
  // Views on the heap only after the allocation: a growing heap detaches older ones.
  im2colTransposed(wasm.typedArrayFromHeap(x), g, wasm.typedArrayFromHeap(patches));
  const dy3 = wasmKernel('Reshape', { x: dy }, wasm, { shape: [1, columns, g.outChannels] });
  const product = wasmKernel('BatchMatMul', { a: patches, b: dy3 }, wasm, {
    transposeA: false,
    transposeB: false,
  });
  const dw = wasmKernel('Reshape', { x: product }, wasm, { shape: filterShape });
  for (const t of [patches, dy3, product]) wasm.disposeData(t.dataId);
  return dw;
}

/** dx of max pooling, in plain loops over the heap (`maxPoolGradient`). */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const g = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const dx = wasm.makeOutput(input.shape, 'float32');
  maxPoolGradient(
    wasm.typedArrayFromHeap(input),
    wasm.typedArrayFromHeap(dy),
    g,
    wasm.typedArrayFromHeap(dx),
  );
  return dx;
}

/** The attributes of both depthwise gradient kernels (tfjs-core's gradient of depthwiseConv2d). */
interface DepthwiseAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

type Shape4 = [number, number, number, number];

/**
 * The geometry both depthwise gradient kernels work in, from the forward pass's shapes and the
 * kernel's attributes; dilations other than 1 are refused here, before any output is allocated,
 * so a refusal leaves no buffer behind.
 */
function depthwiseGeometry(inputShape: Shape4, filterShape: Shape4, attrs?: tf.NamedAttrMap) {
  const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as DepthwiseAttrs;
  const g = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  assertUndilated(g);
  return g;
}

/** dW of a depthwise convolution, in plain loops over the heap (`depthwiseConvFilterGradient`). */
function depthwiseConv2dNativeBackpropFilter({
  inputs,
  backend,
  attrs,
}: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as { filterShape: Shape4 };
  const g = depthwiseGeometry(x.shape as Shape4, filterShape, attrs);
  const dw = wasm.makeOutput(filterShape, 'float32');
  depthwiseConvFilterGradient(
    wasm.typedArrayFromHeap(x),
    wasm.typedArrayFromHeap(dy),
    g,
    wasm.typedArrayFromHeap(dw),
  );
  return dw;
}

/** dx of a depthwise convolution, in plain loops over the heap (`depthwiseConvInputGradient`). */
function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as { inputShape: Shape4 };
  const g = depthwiseGeometry(inputShape, filter.shape as Shape4, attrs);
  const dx = wasm.makeOutput(inputShape, 'float32');
  depthwiseConvInputGradient(
    wasm.typedArrayFromHeap(dy),
    wasm.typedArrayFromHeap(filter),
    g,
    wasm.typedArrayFromHeap(dx),
  );
  return dx;
}

/** `replaces`: the backend has a kernel of that name, and it is wrong. */
const KERNELS: (tf.KernelConfig & { replaces: boolean })[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backendName: WASM,
    kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
    replaces: false,
  },
  {
    kernelName: 'MaxPoolGrad',
    backendName: WASM,
    kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
    replaces: true,
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName: WASM,
    kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc,
    replaces: false,
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName: WASM,
    kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc,
    replaces: false,
  },
];

/**
 * Registers these kernels for the wasm backend; safe to call any number of times and before the
 * backend is chosen (kernels are looked up when they run). A missing kernel that the backend
 * has by then (a later tfjs) is left as it is. Returns the names it registered.
 */
export function registerWasmConvGradients(): string[] {
  const registered: string[] = [];
  for (const { replaces, ...config } of KERNELS) {
    const present = tf.getKernel(config.kernelName, config.backendName);
    if (present?.kernelFunc === config.kernelFunc || (present && !replaces)) continue;
    if (present) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    registered.push(config.kernelName);
  }
  return registered;
}
