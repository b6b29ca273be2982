import { normal, split, type Key } from '../random.js';
import type { Task, UnrollResult } from '../task.js';
import {
  countEnded,
  disposeTaskState,
  finiteParticles,
  groupSize,
  meanObjective,
  resolveSettings,
  restartDiverged,
  restoreTaskState,
  snapshotTaskState,
  staggerOffsets,
  type ResolvedSettings,
} from './common.js';
import {
  perturbationGradient,
  perturbations,
  perturbedThetas,
  type PerturbationGradientOutput,
} from './pes-gradient.js';
import type { Estimate, EstimatorSettings, GradientEstimator } from './types.js';

/** Per-particle arrays a strategy keeps between unrolls: PES's ξ, noise-reuse ES's ε. */
export type ParticleNoise = Record<string, Float64Array | Uint8Array>;

/**
 * Where the particles run, and what of it persists between estimates: their own states (PES),
 * one shared trajectory (truncated ES), nothing (full ES).
 */
export interface Trajectory<S, T> {
  /** Inner steps per unroll: K, or the horizon for whole episodes. */
  readonly steps: number;
  init(key: Key): T;
  /**
   * The particles' states at the start of the unroll and the key they unroll with, out of the
   * estimate's two keys after its noise key.
   */
  begin(state: T, keys: readonly [Key, Key]): { start: S; unrollKey: Key };
  /**
   * The state after the unroll, with the particles in `excluded` (non-finite losses) restarted;
   * `innerSteps` counts steps run here besides the particles' unroll.
   */
  end(state: T, run: UnrollRun<S>): { state: T; episodesEnded: number; innerSteps: number };
  snapshot(state: T): Record<string, unknown>;
  restore(snapshot: Record<string, unknown>): T;
  dispose(state: T): void;
}

export interface UnrollRun<S> {
  theta: Float64Array;
  start: S;
  unrollKey: Key;
  keys: readonly [Key, Key];
  unrolled: UnrollResult<S>;
  eps: Float64Array;
  include: Uint8Array;
  excluded: Uint8Array;
}

/**
 * What one ES-family estimator adds to the shell. Every hook is optional: with none, the
 * estimator is plain ES over persistent particles with fresh ε each unroll and nothing carried.
 */
export interface EsStrategy<S, T, N extends ParticleNoise> {
  /** Where the particles run (default: persistent, staggered particle states). */
  trajectory?(context: EsContext<S>): Trajectory<S, T>;
  /** The noise arrays at the start of every particle's first episode (PES: ξ = 0). */
  noise?(): N;
  /** This unroll's ε; `sample()` draws a fresh one for every particle (the default). */
  perturb?(noise: N, sample: () => Float64Array): Float64Array;
  /** What weights the losses of the episode running when the unroll began, besides ε (PES: ξ). */
  accumulated?(noise: N): Float64Array;
  /** The noise after the unroll (PES: ξ ← ξ + ε, restarted at episode ends). */
  advance?(noise: N, eps: Float64Array, done: Uint8Array): N;
  /** Clears, in place on what `advance` returned, the noise of the particles in `excluded`. */
  restart?(noise: N, excluded: Uint8Array): void;
  /**
   * Replaces the weighting (PES-A: a second, differentiated unroll); `drop(p)` leaves particle p
   * and its pair out. `innerSteps` counts the steps it ran.
   */
  weigh?(run: Weighing<S, N>): PerturbationGradientOutput & { innerSteps: number };
}

/** What the weighting sees: the unroll, the strategy's noise, and a way to drop a pair. */
export type Weighing<S, N> = UnrollRun<S> & { noise: N; drop(p: number): void };

export interface EsContext<S> {
  task: Task<S>;
  settings: ResolvedSettings;
}

/**
 * The persistent particles of PES and noise-reuse ES: staggered states kept between unrolls,
 * a diverged particle restarted. `staggerInUnrolls` staggers in multiples of K.
 */
export function persistentParticles<S>(
  { task, settings: s }: EsContext<S>,
  staggerInUnrolls = false,
): Trajectory<S, { task: S }> {
  return {
    steps: s.unrollLength,
    init(key) {
      const [initKey, staggerKey] = split(key, 2) as [Key, Key];
      const granularity = staggerInUnrolls ? s.unrollLength : 1;
      const stepOffsets = staggerOffsets(staggerKey, task as Task, s, granularity);
      return { task: task.init(initKey, s.particles, { stepOffsets }) };
    },
    begin: (state, [unrollKey]) => ({ start: state.task, unrollKey }),
    end: (_state, { unrolled, excluded, keys: [, resetKey] }) => ({
      state: { task: restartDiverged(task, unrolled.state, excluded, resetKey) },
      episodesEnded: countEnded(unrolled.done),
      innerSteps: 0,
    }),
    snapshot: (state) => ({ task: snapshotTaskState(task, state.task) }),
    restore: (snapshot) => ({ task: restoreTaskState(task, snapshot.task) }),
    dispose: (state) => disposeTaskState(task, state.task),
  };
}

/**
 * The shared shell of the ES family (docs/estimators.md): sample ε, unroll every particle with
 * θ + ε, drop antithetic pairs with a non-finite loss, weight the losses by the perturbations
 * (`perturbationGradient`), restart the dropped particles, count. The strategy supplies what
 * differs: where particles run, what they carry, when they draw noise.
 */
export function esFamilyEstimator<
  S,
  T extends object = { task: S },
  N extends ParticleNoise = Record<never, never>,
>(
  name: string,
  task: Task<S>,
  settings: EstimatorSettings,
  strategy: EsStrategy<S, T, N>,
): GradientEstimator<T & N> {
  const s = resolveSettings(settings, { usesNoise: true });
  const trajectory = (strategy.trajectory?.({ task, settings: s }) ??
    persistentParticles({ task, settings: s })) as Trajectory<S, T>;
  const { particles, sigma } = s;
  const { steps } = trajectory;
  const dim = task.dim;
  const group = groupSize(s);
  const freshNoise = () => strategy.noise?.() ?? ({} as N);
  const noiseOf = (state: T & N) =>
    Object.fromEntries(
      Object.keys(freshNoise()).map((k) => [k, state[k as keyof N]]),
    ) as unknown as N;
  // Every estimator but PES-A: ĝ = Σ_p (ξ_p + ε_p) L_p / (N σ²), ξ = 0 when the strategy keeps none.
  const weighByPerturbations = ({ unrolled, eps, include, noise }: Weighing<S, N>) => ({
    ...perturbationGradient({
      particles,
      steps,
      dim,
      losses: unrolled.losses,
      done: unrolled.done,
      accumulators: strategy.accumulated?.(noise) ?? new Float64Array(particles * dim),
      eps,
      sigma,
      include,
      fitnessShaping: s.fitnessShaping,
      antithetic: s.antithetic,
    }),
    innerSteps: 0,
  });
  return {
    name,
    init: (_theta, key) => ({ ...trajectory.init(key), ...freshNoise() }),
    estimate(theta, state, key): Estimate<T & N> {
      const [noiseKey, ...keys] = split(key, 3) as [Key, Key, Key];
      // ε = σ z in antithetic pairs (or one-sided); the strategy says when it is drawn.
      const sample = () =>
        perturbations(
          normal(noiseKey, (particles / group) * dim),
          particles,
          dim,
          sigma,
          s.antithetic,
        );
      const eps = strategy.perturb?.(state, sample) ?? sample();
      // Every particle unrolls K steps with θ + ε.
      const { start, unrollKey } = trajectory.begin(state, keys);
      const unrolled = task.unroll(start, perturbedThetas(theta, eps, particles), steps, unrollKey);
      // A pair with a non-finite loss is left out whole (NaN when none is left) and restarted.
      const { include, excluded } = finiteParticles(unrolled.losses, particles, steps, group);
      const run = { theta, start, unrollKey, keys, unrolled, eps, include, excluded };
      const drop = (p: number) => {
        const first = p - (p % group);
        for (let q = first; q < first + group; q++) [include[q], excluded[q]] = [0, 1];
      };
      const weighed = (strategy.weigh ?? weighByPerturbations)({ ...run, noise: state, drop });
      const noise = strategy.advance?.(state, eps, unrolled.done) ?? noiseOf(state);
      const after = trajectory.end(state, run);
      strategy.restart?.(noise, excluded);
      return {
        grad: weighed.grad,
        metaLoss: meanObjective(weighed.objectives, include),
        state: { ...after.state, ...noise },
        metrics: {
          innerSteps: particles * steps + after.innerSteps + weighed.innerSteps,
          episodesEnded: after.episodesEnded,
          nonFiniteParticles: excluded.reduce((n, x) => n + x, 0),
        },
      };
    },
    snapshot: (state) => ({ ...trajectory.snapshot(state), ...noiseOf(state) }),
    restore(snapshot) {
      const saved = snapshot as Record<string, unknown>;
      for (const [k, fresh] of Object.entries(freshNoise())) {
        const v = saved[k];
        if (!(v instanceof fresh.constructor) || (v as typeof fresh).length !== fresh.length) {
          throw new TypeError(
            `${name} checkpoint: ${k} is not a ${fresh.constructor.name} of length ${fresh.length}`,
          );
        }
      }
      return { ...trajectory.restore(saved), ...noiseOf(saved as T & N) };
    },
    dispose: (state) => trajectory.dispose(state),
  };
}
