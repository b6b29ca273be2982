import type { GradientTransformation } from './types.js';

function assertFiniteRate(name: string, value: number, { allowZero = false } = {}): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a positive finite number, got ${value}`);
  }
}

function assertDecay(name: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new RangeError(`${name} must lie in [0, 1), got ${value}`);
}

/** updates = factor · grads */
export function scale(factor: number): GradientTransformation<Record<string, never>> {
  return {
    init: () => ({}),
    update: (grads, state) => [grads.map((g) => g * factor), state],
  };
}

export interface MomentumState {
  trace: Float64Array;
}

/** Heavy-ball momentum: trace ← decay · trace + grads; updates = trace. */
export function traceMomentum(decay: number): GradientTransformation<MomentumState> {
  assertDecay('momentum', decay);
  return {
    init: (params) => ({ trace: new Float64Array(params.length) }),
    update(grads, state) {
      const trace = new Float64Array(grads.length);
      for (let i = 0; i < grads.length; i++) trace[i] = decay * state.trace[i]! + grads[i]!;
      return [trace.slice(), { trace }];
    },
  };
}

export interface AdamState {
  count: number;
  /**
   * β1^count and β2^count as running products, one multiplication per step: IEEE
   * multiplication rounds the same in every engine, while `**` does not (V8 versions differ in
   * the last bit), and the bias correction would carry that difference into θ.
   */
  b1Power: number;
  b2Power: number;
  mu: Float64Array;
  nu: Float64Array;
}

export interface AdamSettings {
  b1?: number;
  b2?: number;
  eps?: number;
}

/** Adam's rescaling (Kingma & Ba 2015) with bias correction; the learning rate comes after. */
export function scaleByAdam({
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
}: AdamSettings = {}): GradientTransformation<AdamState> {
  assertDecay('adam b1', b1);
  assertDecay('adam b2', b2);
  assertFiniteRate('adam eps', eps, { allowZero: true });
  return {
    init: (params) => ({
      count: 0,
      b1Power: 1,
      b2Power: 1,
      mu: new Float64Array(params.length),
      nu: new Float64Array(params.length),
    }),
    update(grads, state) {
      const count = state.count + 1;
      const b1Power = state.b1Power * b1;
      const b2Power = state.b2Power * b2;
      const mu = new Float64Array(grads.length);
      const nu = new Float64Array(grads.length);
      const updates = new Float64Array(grads.length);
      const c1 = 1 - b1Power;
      const c2 = 1 - b2Power;
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i]!;
        mu[i] = b1 * state.mu[i]! + (1 - b1) * g;
        nu[i] = b2 * state.nu[i]! + (1 - b2) * g * g;
        updates[i] = mu[i]! / c1 / (Math.sqrt(nu[i]! / c2) + eps);
      }
      return [updates, { count, b1Power, b2Power, mu, nu }];
    },
    restore(snapshot) {
      const s = snapshot as Partial<AdamState> | null;
      if (
        !s ||
        !Number.isInteger(s.count) ||
        !(s.mu instanceof Float64Array) ||
        !(s.nu instanceof Float64Array)
      )
        throw new TypeError('the outer optimizer state is not an Adam state');
      // Checkpoints of @pes before the running products hold only the count. Their β^t came
      // from `**`; continuing with products would be neither that run nor a fresh one.
      if (typeof s.b1Power !== 'number' || typeof s.b2Power !== 'number')
        throw new TypeError(
          'the Adam state has no running β1^t, β2^t (a checkpoint of an older @pes, which computed β^t otherwise): start the run again',
        );
      return s as AdamState;
    },
  };
}

/** Rescales the gradient so that its global L2 norm is at most `maxNorm`. */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<Record<string, never>> {
  assertFiniteRate('clip norm', maxNorm);
  return {
    init: () => ({}),
    update(grads, state) {
      let sq = 0;
      for (const g of grads) sq += g * g;
      const norm = Math.sqrt(sq);
      const factor = norm > maxNorm ? maxNorm / norm : 1;
      return [grads.map((g) => g * factor), state];
    },
  };
}

/** Applies transformations in order; the state is the list of their states. */
export function chain(
  ...transforms: GradientTransformation<unknown>[]
): GradientTransformation<unknown[]> {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    restore(snapshot) {
      if (!Array.isArray(snapshot) || snapshot.length !== transforms.length)
        throw new TypeError(`expected the states of ${transforms.length} optimizer transforms`);
      return transforms.map((t, i) => (t.restore ? t.restore(snapshot[i]) : snapshot[i]));
    },
    update(grads, states, params) {
      let updates = grads;
      const next: unknown[] = [];
      transforms.forEach((t, i) => {
        const [u, s] = t.update(updates, states[i], params);
        updates = u;
        next.push(s);
      });
      return [updates, next];
    },
  };
}

/** Plain gradient descent: updates = −lr · grads. */
export function sgd(learningRate: number): GradientTransformation<unknown[]> {
  assertFiniteRate('learning rate', learningRate);
  return chain(scale(-learningRate) as GradientTransformation<unknown>);
}

/** SGD with heavy-ball momentum. */
export function momentum(learningRate: number, decay = 0.9): GradientTransformation<unknown[]> {
  assertFiniteRate('learning rate', learningRate);
  return chain(
    traceMomentum(decay) as GradientTransformation<unknown>,
    scale(-learningRate) as GradientTransformation<unknown>,
  );
}

/** Adam with every β settable. */
export function adam(
  learningRate: number,
  settings: AdamSettings = {},
): GradientTransformation<unknown[]> {
  assertFiniteRate('learning rate', learningRate);
  return chain(
    scaleByAdam(settings) as GradientTransformation<unknown>,
    scale(-learningRate) as GradientTransformation<unknown>,
  );
}
