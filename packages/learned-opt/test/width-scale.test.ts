import { makeKey, normal } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  checkWidthScale,
  episodeScheduleFromWeights,
  fanInOf,
  familyLearnedOptimizer,
  NormalizedLearnedTfOptimizer,
  normalizedLoptLayout,
  WeightsError,
  widthFactor,
  type WidthScale,
} from '../src/index.js';
import { secondStepUpdates } from './scaled-updates.js';

/** A Dense kernel of fan-in 6, a bias, a convolution kernel of fan-in 3·2·2 = 12. */
const SHAPES = [[6, 4], [4], [3, 2, 2, 5]] as const;
const theta = Float64Array.from(normal(makeKey(5), normalizedLoptLayout().dim), (v) => 0.5 * v);

/** The updates of the second of two steps from fixed parameters and gradients. */
const updates = (widthScale: WidthScale | undefined) =>
  secondStepUpdates(
    theta,
    SHAPES,
    { paramKey: 40, gradientKey: (step, i) => 100 * step + i },
    { widthScale },
  );

const rms = (xs: number[]) => Math.sqrt(xs.reduce((a, v) => a + v * v, 0) / xs.length);

describe('the width scale (μP-style shorter steps for wide tensors)', () => {
  it('reads a fan-in from the shape: inputs of a kernel, kh·kw·cin of a convolution, 1 of a vector', () => {
    expect(fanInOf([784, 128])).toBe(784);
    expect(fanInOf([3, 3, 8, 16])).toBe(72);
    expect(fanInOf([10])).toBe(1);
    expect(fanInOf([])).toBe(1);
    const scale = { baseFanIn: 64, power: 0.5 };
    expect(widthFactor([256, 10], scale)).toBe(0.5);
    expect(widthFactor([64, 1024], scale)).toBe(1);
    expect(widthFactor([1024], scale)).toBe(1);
    expect(widthFactor([128, 4], { baseFanIn: 64, power: 1 })).toBe(0.5);
    expect(widthFactor([4096, 4], undefined)).toBe(1);
  });

  it('shortens only the tensors wider than the base, by (base / fan-in)^power, in the same direction', () => {
    const plain = updates(undefined);
    for (const power of [0.5, 1]) {
      const scaled = updates({ baseFanIn: 6, power });
      // Fan-in 6 and the bias: at the base, the same bits as without a width scale.
      expect(scaled[0]).toEqual(plain[0]);
      expect(scaled[1]).toEqual(plain[1]);
      // Fan-in 12: the same direction, shorter by (6 / 12)^power.
      const factor = Math.pow(0.5, power);
      expect(rms(plain[2]!)).toBeCloseTo(1e-3, 7);
      expect(rms(scaled[2]!)).toBeCloseTo(1e-3 * factor, 7);
      scaled[2]!.forEach((v, i) => expect(v).toBeCloseTo(plain[2]![i]! * factor, 9));
    }
    // A base at or above every fan-in changes nothing, bit for bit (the shipped family's case).
    expect(updates({ baseFanIn: 64, power: 1 })).toEqual(plain);
  });

  it('refuses a bad width scale, naming the field', () => {
    expect(checkWidthScale(undefined)).toBeUndefined();
    expect(checkWidthScale(null)).toBeUndefined();
    expect(() => checkWidthScale({ baseFanIn: 0, power: 1 })).toThrow(/baseFanIn must be/);
    expect(() => checkWidthScale({ baseFanIn: 64, power: 2 })).toThrow(/power must be/);
    expect(() => checkWidthScale({ baseFanIn: 64 })).toThrow(/power must be/);
    expect(() => familyLearnedOptimizer({ widthScale: { baseFanIn: 64, power: -1 } })).toThrow(
      /power must be/,
    );
  });

  it('is saved in the optimizer config and rebuilt from it', () => {
    const widthScale = { baseFanIn: 64, power: 0.5 };
    const optimizer = familyLearnedOptimizer({ trainingSteps: 100, widthScale });
    const config = optimizer.getConfig();
    expect(config['widthScale']).toEqual(widthScale);
    const rebuilt = NormalizedLearnedTfOptimizer.fromConfig<NormalizedLearnedTfOptimizer>(
      NormalizedLearnedTfOptimizer,
      config,
    );
    expect(rebuilt.getConfig()).toEqual(config);
    // Without one, the config says so (null), and a rebuilt optimizer has none either.
    const none = familyLearnedOptimizer({ trainingSteps: 100, widthScale: null }).getConfig();
    expect(none['widthScale']).toBeNull();
    const again = NormalizedLearnedTfOptimizer.fromConfig<NormalizedLearnedTfOptimizer>(
      NormalizedLearnedTfOptimizer,
      none,
    );
    expect(again.getConfig()['widthScale']).toBeNull();
    for (const o of [optimizer, rebuilt, again]) o.dispose();
  });

  it('is read from a weights file’s metaTrainedAt, checked, and absent when not set', () => {
    const at = (metaTrainedAt: unknown) => episodeScheduleFromWeights({ metaTrainedAt }, 'w.json');
    expect(at({ innerLr: 1e-3, innerSchedule: 'cosine' })).toEqual({
      innerLr: 1e-3,
      innerSchedule: 'cosine',
    });
    expect(
      at({ innerLr: 1e-3, innerSchedule: 'cosine', widthScale: { baseFanIn: 64, power: 1 } }),
    ).toEqual({ innerLr: 1e-3, innerSchedule: 'cosine', widthScale: { baseFanIn: 64, power: 1 } });
    expect(() =>
      at({ innerLr: 1e-3, innerSchedule: 'cosine', widthScale: { baseFanIn: 64, power: 0 } }),
    ).toThrow(WeightsError);
    expect(() =>
      at({ innerLr: 1e-3, innerSchedule: 'cosine', widthScale: { baseFanIn: 64, power: 0 } }),
    ).toThrow(/w\.json: metaTrainedAt\.widthScale\.power must be/);
  });
});
