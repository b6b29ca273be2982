import { pow } from '@pes/core';

/**
 * A μP-style step for layers wider than the family's (μLO's remedy; published figures only). The
 * normalised learned optimizer moves every tensor by RMS lr(t); a weight matrix's output moves by
 * up to fan-in times that when its update lines up with its input, so a layer far wider than any
 * the optimizer was meta-trained on takes steps too long for it. With a width scale, a tensor of
 * rank ≥ 2 whose fan-in (its size over its last axis: a Dense kernel's inputs, a convolution's
 * kh·kw·cin, an LSTM kernel's inputs) exceeds `baseFanIn` steps at lr(t) · (baseFanIn / fanIn)^power;
 * tensors of rank ≤ 1 never shrink, as biases and gains do not in μP.
 *
 * With `baseFanIn` at or above the family's widest fan-in (64 for the shipped recipe: 8×8
 * inputs, widths ≤ 64), every tensor meta-training drew steps at scale 1, so the θ it learned is
 * the same θ either way.
 */
export interface WidthScale {
  /** Fan-ins up to this step at the learning rate itself. */
  baseFanIn: number;
  /** 1: μP's 1/fan-in for hidden and output layers; ½: the scale of an incoherent update. */
  power: number;
}

/**
 * The width scale `familyLearnedOptimizer()` steps with: 64 is the widest fan-in of the shipped
 * recipe's family (8×8 inputs, widths ≤ 64), so meta-training saw only factor 1. The power ½ is
 * the one judged on the whole held-out suite; μP's 1 was measured on two of its MLPs only
 * (docs/results.md: better still there, not yet judged on the conv nets it would slow most).
 */
export const FAMILY_WIDTH_SCALE: WidthScale = { baseFanIn: 64, power: 0.5 };

/** A tensor's fan-in: its size over its last axis for rank ≥ 2, and 1 for a vector or scalar. */
export function fanInOf(shape: readonly number[]): number {
  if (shape.length < 2) return 1;
  const last = shape[shape.length - 1]!;
  return last === 0 ? 0 : shape.reduce((a, b) => a * b, 1) / last;
}

/** The factor on the learning rate for a tensor of this shape: 1 without a width scale. */
export function widthFactor(shape: readonly number[], scale: WidthScale | undefined): number {
  if (!scale) return 1;
  const fanIn = fanInOf(shape);
  return fanIn <= scale.baseFanIn ? 1 : pow(scale.baseFanIn / fanIn, scale.power);
}

/** A width scale checked: a RangeError naming the bad field, else the same object. */
export function checkWidthScale(scale: unknown): WidthScale | undefined {
  if (scale === undefined || scale === null) return undefined;
  const s = scale as Partial<WidthScale>;
  if (typeof s !== 'object' || !(typeof s.baseFanIn === 'number' && s.baseFanIn >= 1))
    throw new RangeError('widthScale.baseFanIn must be a number ≥ 1');
  if (!(typeof s.power === 'number' && s.power > 0 && s.power <= 1))
    throw new RangeError('widthScale.power must be a number in (0, 1]');
  return { baseFanIn: s.baseFanIn, power: s.power };
}
