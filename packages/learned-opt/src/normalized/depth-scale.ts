import { pow } from '@pes/core';

/**
 * Shorter steps for networks deeper than the family's, beside the width scale (width-scale.ts),
 * by the same argument one axis over. The normalised learned optimizer moves every weight tensor
 * by RMS lr(t). A network's output moves by the sum of what each layer's step does to it: about
 * L times one layer's when the L layers' steps line up, about √L times when they are
 * incoherent. So a network with more weight tensors than any the optimizer was meta-trained on
 * takes, as a whole, steps too long for it. With a depth scale, when an update steps more than
 * `baseDepth` tensors of rank ≥ 2 (Dense and LSTM kernels, convolutions), every one of them steps
 * at lr(t) · (baseDepth / depth)^power; tensors of rank ≤ 1 keep their length, as under the width
 * scale.
 *
 * The depth is counted per update over the tensors it is given: with Keras's `fit`, a model's
 * trainable weights. With `baseDepth` at the family's deepest (3 for the shipped recipe: two
 * hidden layers and the output layer), every network meta-training drew stepped at factor 1, so
 * the θ it learned is the same θ either way. The power ½ (an incoherent sum) is chosen by that
 * argument, as the width scale's was, not fitted to the held-out problems.
 */
export interface DepthScale {
  /** Up to this many weight tensors step at the learning rate itself. */
  baseDepth: number;
  /** 1: the layers' steps add up coherently; ½: incoherently. */
  power: number;
}

/** The depth scale of the shipped recipe's family: its deepest MLP has 3 weight matrices. */
export const FAMILY_DEPTH_SCALE: DepthScale = { baseDepth: 3, power: 0.5 };

/** An update's depth: how many of its tensors have rank ≥ 2. */
export function depthOf(shapes: readonly (readonly number[])[]): number {
  return shapes.filter((s) => s.length >= 2).length;
}

/** The factor on the learning rate of an update of this depth: 1 without a depth scale. */
export function depthFactor(depth: number, scale: DepthScale | undefined): number {
  if (!scale || depth <= scale.baseDepth) return 1;
  return pow(scale.baseDepth / depth, scale.power);
}

/** A depth scale checked: a RangeError naming the bad field, else the same object. */
export function checkDepthScale(scale: unknown): DepthScale | undefined {
  if (scale === undefined || scale === null) return undefined;
  const s = scale as Partial<DepthScale>;
  if (
    typeof s !== 'object' ||
    !(typeof s.baseDepth === 'number' && Number.isInteger(s.baseDepth) && s.baseDepth >= 1)
  )
    throw new RangeError('depthScale.baseDepth must be a whole number ≥ 1');
  if (!(typeof s.power === 'number' && s.power > 0 && s.power <= 1))
    throw new RangeError('depthScale.power must be a number in (0, 1]');
  return { baseDepth: s.baseDepth, power: s.power };
}
