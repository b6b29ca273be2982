/** One colour per estimator, the same on every plot of the page. */
const COLORS: Record<string, string> = {
  pes: '#d62728',
  tes: '#1f77b4',
  es: '#ff7f0e',
  nres: '#2ca02c',
  tbptt: '#9467bd',
  bptt: '#8c564b',
  'pes-a': '#e377c2',
  rtrl: '#7f7f7f',
  uoro: '#17becf',
};

export const estimatorColor = (estimator: string): string => COLORS[estimator] ?? '#000000';

/**
 * A perceptual ramp from dark blue (low meta-loss) to yellow (high), at u ∈ [0, 1]: five of
 * viridis's stops, linearly between them.
 */
const RAMP: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function rampColor(u: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, u)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP[i]!, RAMP[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + f * (b[c]! - a[c]!))) as [number, number, number];
}
