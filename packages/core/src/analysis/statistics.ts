/** A figure over repeated runs (seeds): its mean and sample standard deviation. */
export interface MeanAndStd {
  /** null where no run gave a finite value. */
  mean: number | null;
  /** Sample standard deviation (divisor n − 1); 0 for a single value, null with the mean. */
  std: number | null;
}

/**
 * Mean and sample standard deviation of the finite values. Non-finite ones (a diverged run's
 * loss) are left out rather than turning the figure into NaN; the caller counts them.
 */
export function meanAndStd(values: readonly number[]): MeanAndStd {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return { mean: null, std: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std =
    xs.length > 1
      ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) * (x - mean), 0) / (xs.length - 1))
      : 0;
  return { mean, std };
}

/**
 * The median (the mean of the middle two of an even count): what every benchmark reports of its
 * timings, robust to a noisy shared machine.
 */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
