/**
 * The normalised learned optimizer's sizes and where each weight sits in θ (normalized-lopt.ts).
 * Sizes after Celo2's published ones (30 → 8 → 8 → 3, 347 numbers): a network this small is
 * cheap per parameter and leaves PES few directions to search.
 */
export const NORMALIZED_MOMENTUM_DECAYS = [0.5, 0.9, 0.99] as const;
/** The second moment's decay (Adam's β₂). */
export const SECOND_MOMENT_DECAY = 0.999;

/** Keeps every RMS finite for an all-zero tensor (above the square of any normal float32 gradient that matters). */
export const TINY = 1e-30;
/** The second moment's floor, relative to its mean over the tensor: Adam's ε, without a scale. */
export const RELATIVE_EPSILON = 1e-8;

/** The per-parameter features, in the order the first layer reads them. */
export const PARAMETER_FEATURE_NAMES = [
  'gradient',
  ...NORMALIZED_MOMENTUM_DECAYS.map((d) => `momentum ${d}`),
  'preconditioned gradient',
  ...NORMALIZED_MOMENTUM_DECAYS.map((d) => `preconditioned momentum ${d}`),
  'second-moment RMS',
] as const;
/** [t/T, 1] with the total T known, else [0, 0]: the same for every parameter. */
export const FRACTION_FEATURES = 2;
export const NORMALIZED_INPUTS = PARAMETER_FEATURE_NAMES.length + FRACTION_FEATURES;
export const NORMALIZED_HIDDEN = [8, 8] as const;

interface Block {
  offset: number;
  size: number;
  /** Inputs of a weight matrix (its initial scale 1/√fanIn); 1 for a bias. */
  fanIn: number;
}

/**
 * θ = [W1 (11 × 8), b1, W2 (8 × 8), b2, W3 (8 × 1), b3, skip (11)]: the MLP, then the linear
 * skip from the inputs to the output (which lets the untrained θ be a known optimizer).
 */
export function normalizedLoptLayout() {
  const [h1, h2] = NORMALIZED_HIDDEN;
  const sizes: [string, number, number][] = [
    ['w1', NORMALIZED_INPUTS * h1, NORMALIZED_INPUTS],
    ['b1', h1, 1],
    ['w2', h1 * h2, h1],
    ['b2', h2, 1],
    ['w3', h2, h2],
    ['b3', 1, 1],
    ['skip', NORMALIZED_INPUTS, 1],
  ];
  const blocks = {} as Record<'w1' | 'b1' | 'w2' | 'b2' | 'w3' | 'b3' | 'skip', Block>;
  let offset = 0;
  for (const [name, size, fanIn] of sizes) {
    blocks[name as keyof typeof blocks] = { offset, size, fanIn };
    offset += size;
  }
  return { blocks, dim: offset };
}
