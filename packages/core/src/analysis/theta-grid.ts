/** A range of one θ component: [low, high]. */
export type ThetaRange = readonly [number, number];

/** One cell of a 2-D θ grid, at its centre. */
export interface ThetaGridCell {
  theta0: number;
  theta1: number;
}

/**
 * The centres of a resolution × resolution grid over θ0 ∈ ranges[0], θ1 ∈ ranges[1]: θ0 in the
 * outer order, θ1 in the inner, each centre low + (i + ½)·width. Loops that must yield between
 * cells (a grid of full training runs beside child processes) walk these; `thetaSurface`
 * evaluates them all.
 */
export function thetaGridCells(
  ranges: readonly [ThetaRange, ThetaRange],
  resolution: number,
): ThetaGridCell[] {
  if (!Number.isInteger(resolution) || resolution < 1)
    throw new RangeError(`grid resolution must be a positive integer, got ${resolution}`);
  const centres = ([low, high]: ThetaRange) => {
    const width = (high - low) / resolution;
    return Array.from({ length: resolution }, (_, i) => low + (i + 0.5) * width);
  };
  const [first, second] = [centres(ranges[0]), centres(ranges[1])];
  return first.flatMap((theta0) => second.map((theta1) => ({ theta0, theta1 })));
}

/**
 * A meta-loss surface: the figures `evaluate(θ)` returns, at the centre of every cell of the
 * grid, each cell `{ theta0, theta1, ...figures }`.
 */
export function thetaSurface<F extends object>(
  ranges: readonly [ThetaRange, ThetaRange],
  resolution: number,
  evaluate: (theta: Float64Array) => F,
): (ThetaGridCell & F)[] {
  return thetaGridCells(ranges, resolution).map((cell) => ({
    ...cell,
    ...evaluate(Float64Array.of(cell.theta0, cell.theta1)),
  }));
}
