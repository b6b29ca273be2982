import * as tf from '@tensorflow/tfjs';
import { type Key, normal } from '@pes/core';
import { adamTensor, type TensorOptimizer } from '@pes/inner-problems';
import type { TensorLearnedOptimizer } from '../tensor-learned-optimizer.js';
import { scheduledLearningRate, type LearningRateSchedule } from './learning-rate-schedule.js';
import {
  FRACTION_FEATURES,
  normalizedLoptLayout,
  NORMALIZED_HIDDEN,
  PARAMETER_FEATURE_NAMES,
  TINY,
} from './normalized-layout.js';
import { nextFeatures, stateTensorsOf, type ParameterKind } from './normalized-state.js';
import { widthFactor, type WidthScale } from './width-scale.js';
import { depthFactor, depthOf, type DepthScale } from './depth-scale.js';

/**
 * A learned optimizer whose update is a unit-scale direction times the user's learning rate, in
 * the spirit of Celo2 (published figures only; docs/using-learned-optimizers.md). Per parameter
 * a tiny MLP (9 features + 2 → 8 → 8 → 1, with a linear skip from the features to the output)
 * reads only normalised features:
 * - the gradient and its momenta at decays 0.5, 0.9, 0.99, each divided by its RMS over the tensor;
 * - the same four preconditioned by an Adafactor-style second moment (row and column mean
 *   squares for a tensor of rank ≥ 2, factored over its last axis; the full second moment
 *   otherwise), each divided by its RMS over the tensor;
 * - the second moment's square root, divided by its RMS over the tensor.
 * Every feature is invariant to the scale of the gradient, so bias corrections (which would read
 * the step count) are not needed: they only rescale. There are **no step features**: the step
 * reaches the update only through the learning-rate schedule and, when the user gives the total
 * number of steps, two fraction-of-training features [t/T, 1] (else [0, 0]).
 *
 * The output d is divided by its RMS over the tensor, so each tensor's update has RMS exactly
 * lr(t) (times a width and a depth factor, when the user asks for them: width-scale.ts,
 * depth-scale.ts): the learned part
 * chooses a direction, the user's schedule its length. Parameters of
 * rank ≤ 1 (biases, norms) may be handed to Adam at the same learning rate (`oneDimensional`).
 */
export interface NormalizedLoptSettings {
  /** A number or a schedule of the optimizer's step (learning-rate-schedule.ts). */
  learningRate: LearningRateSchedule;
  /** The run's total number of steps: turns the two fraction-of-training features on. */
  totalSteps?: number | undefined;
  /** 'adam': parameters of rank ≤ 1 step with Adam at the same learning rate; default 'learned'. */
  oneDimensional?: 'learned' | 'adam' | undefined;
  /** Shorter steps for tensors wider than the family's (width-scale.ts); default none. */
  widthScale?: WidthScale | undefined;
  /** Shorter steps for networks deeper than the family's (depth-scale.ts); default none. */
  depthScale?: DepthScale | undefined;
}

/**
 * θ's blocks for one step, computed in float64 and handed over in float32: the fraction
 * features are the same for every parameter, so their part of the first layer and of the skip
 * is folded into the biases (as `foldedLoptWeights` does for the MLP's step features).
 */
export function foldedNormalizedWeights(theta: Float64Array, fraction: number | undefined) {
  const { blocks } = normalizedLoptLayout();
  const [w1, b1, w2, b2, w3, b3, skip] = (
    ['w1', 'b1', 'w2', 'b2', 'w3', 'b3', 'skip'] as const
  ).map((name) => theta.subarray(blocks[name].offset, blocks[name].offset + blocks[name].size)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const f = PARAMETER_FEATURE_NAMES.length;
  const hidden = NORMALIZED_HIDDEN[0];
  // [t/T, 1] when the total is known, [0, 0] when not: "not known" is not "at the start".
  const constants = fraction === undefined ? [0, 0] : [fraction, 1];
  const bias1 = Float64Array.from(b1);
  let bias3 = b3[0]!;
  for (let j = 0; j < FRACTION_FEATURES; j++) {
    for (let h = 0; h < hidden; h++) bias1[h]! += constants[j]! * w1[(f + j) * hidden + h]!;
    bias3 += constants[j]! * skip[f + j]!;
  }
  return {
    w1: Float32Array.from(w1.subarray(0, f * hidden)),
    b1: Float32Array.from(bias1),
    w2: Float32Array.from(w2),
    b2: Float32Array.from(b2),
    w3: Float32Array.from(w3),
    b3: Float32Array.of(bias3),
    skip: Float32Array.from(skip.subarray(0, f)),
  };
}

type Folded = ReturnType<typeof foldedNormalizedWeights>;

/** The folded weights as tensors: the MLP's layers, and the skip as a [9, 1] column. */
function weightTensors(w: Folded) {
  const f = PARAMETER_FEATURE_NAMES.length;
  const [h1, h2] = NORMALIZED_HIDDEN;
  return {
    w1: tf.tensor2d(w.w1, [f, h1]),
    b1: tf.tensor1d(w.b1),
    w2: tf.tensor2d(w.w2, [h1, h2]),
    b2: tf.tensor1d(w.b2),
    w3: tf.tensor2d(w.w3, [h2, 1]),
    b3: tf.tensor1d(w.b3),
    skip: tf.tensor2d(w.skip, [f, 1]),
  };
}

/**
 * One tensor's unit-RMS direction ([n, 1]) from its features ([9, n], one per row). Each row's
 * normalisation 1/RMS is folded into the first layer's rows and the skip ([9, 8] and [9, 1]
 * multiplies, not [9, n]). The features are then transposed once to [n, 9], so that every layer
 * is a fused matMul with the n-row matrix on the left (XNNPACK's fast path on WebAssembly; with
 * the features as rows, the same layers measured several times slower, mostly in broadcast
 * bias adds).
 */
function unitDirection(features: tf.Tensor2D, w: ReturnType<typeof weightTensors>): tf.Tensor2D {
  const inverseRms = tf.reshape(tf.rsqrt(tf.add(tf.mean(tf.square(features), 1), TINY)), [-1, 1]);
  const x = tf.transpose(features) as tf.Tensor2D;
  const w1 = tf.mul(w.w1, inverseRms) as tf.Tensor2D;
  const hidden1 = tf.fused.matMul({ a: x, b: w1, bias: w.b1, activation: 'relu' });
  const hidden2 = tf.fused.matMul({ a: hidden1, b: w.w2, bias: w.b2, activation: 'relu' });
  const mlp = tf.fused.matMul({ a: hidden2, b: w.w3, bias: w.b3 });
  const d = tf.add(mlp, tf.matMul(x, tf.mul(w.skip, inverseRms) as tf.Tensor2D));
  return tf.mul(d, tf.rsqrt(tf.add(tf.mean(tf.square(d)), TINY))) as tf.Tensor2D;
}

/** The normalised learned optimizer with its settings, as a function of θ. */
export function normalizedLopt(settings: NormalizedLoptSettings): TensorLearnedOptimizer {
  const { learningRate, totalSteps, widthScale, depthScale } = settings;
  const oneDimensional = settings.oneDimensional ?? 'learned';
  if (totalSteps !== undefined && !(Number.isInteger(totalSteps) && totalSteps > 0))
    throw new RangeError(`totalSteps must be a positive integer, got ${totalSteps}`);
  const kindOf = (p: tf.Tensor): ParameterKind =>
    p.rank <= 1 && oneDimensional === 'adam' ? 'adam' : p.rank >= 2 ? 'factored' : 'full';
  const rate = (step: number) => scheduledLearningRate(learningRate, step);
  const adam = adamTensor().withLearningRate(rate);
  const lopt: TensorLearnedOptimizer = {
    name: 'normalised learned optimizer',
    dim: normalizedLoptLayout().dim,
    initTheta: initialNormalizedLoptTheta,
    optimizer(theta): TensorOptimizer {
      if (theta.length !== lopt.dim)
        throw new RangeError(`${lopt.name} θ has ${lopt.dim} numbers, got ${theta.length}`);
      return {
        name: lopt.name,
        init: (params) => params.flatMap((p) => stateTensorsOf(kindOf(p), p)),
        update(grads, state, params, step) {
          const fraction = totalSteps === undefined ? undefined : Math.min(1, step / totalSteps);
          const w = params.some((p) => kindOf(p) !== 'adam')
            ? weightTensors(foldedNormalizedWeights(theta, fraction))
            : undefined;
          // Descent's minus sign in the product it takes anyway (see applyTensorUpdates).
          const minusRate = -rate(step);
          const deep = depthFactor(depthOf(params.map((p) => p.shape)), depthScale);
          const updates: tf.Tensor[] = [];
          const nextState: tf.Tensor[] = [];
          let at = 0;
          params.forEach((p, i) => {
            const kind = kindOf(p);
            const g = grads[i]!;
            if (kind === 'adam') {
              const r = adam.update([g], state.slice(at, at + 3), [p], step);
              at += 3;
              updates.push(r.updates[0]!);
              nextState.push(...r.state);
              return;
            }
            const own = state.slice(at, at + (kind === 'factored' ? 3 : 2));
            at += own.length;
            // Without a width or depth scale the factor is 1, and the product is minusRate's own
            // bits. Rank ≤ 1 tensors keep their length under both.
            const factor = widthFactor(p.shape, widthScale) * (p.rank >= 2 ? deep : 1);
            const scaled = factor === 1 ? minusRate : minusRate * factor;
            // A tensor's features and hidden activations (about 30 numbers a parameter) are freed
            // before the next tensor's are made: an update over a whole model holds one tensor's.
            const one = tf.tidy(() => {
              const { features, state: next } = nextFeatures(kind, g, own);
              return {
                update: tf.reshape(tf.mul(unitDirection(features, w!), scaled), p.shape),
                next,
              };
            });
            nextState.push(...one.next);
            updates.push(one.update);
          });
          return { updates, state: nextState };
        },
      };
    },
  };
  return lopt;
}

/**
 * θ at the start: the hidden layers LeCun-normal from `key`, the output layer and every bias
 * zero, and the skip reading only the preconditioned momentum at decay 0.9. So the untrained
 * optimizer steps along m/√v̂ normalised to unit RMS per tensor: Adafactor's momentum direction
 * at the user's learning rate, a sensible optimizer to start meta-training from.
 */
export function initialNormalizedLoptTheta(key: Key): Float64Array {
  const { blocks, dim } = normalizedLoptLayout();
  const theta = new Float64Array(dim);
  const z = normal(key, dim);
  for (const name of ['w1', 'w2'] as const) {
    const { offset, size, fanIn } = blocks[name];
    for (let i = 0; i < size; i++) theta[offset + i] = z[offset + i]! / Math.sqrt(fanIn);
  }
  theta[blocks.skip.offset + PARAMETER_FEATURE_NAMES.indexOf('preconditioned momentum 0.9')] = 1;
  return theta;
}
