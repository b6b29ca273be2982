import {
  type Evaluation,
  exp,
  type InitOptions,
  type Key,
  log,
  makeKey,
  normal,
  randomIntegers,
  tanh,
  type Task,
  truncationSchedule,
} from '@pes/core';
import { DataError } from '../data/dataset.js';

/**
 * A character-level LSTM whose weights are θ (docs/paper.md f): one layer, embedding E, hidden H,
 * batch 1, reading one fixed sequence; the inner "steps" are characters and the loss is the
 * cross-entropy of the next one. Everything runs in Float64Array loops over particles: a
 * 5-unit LSTM step is a few hundred multiply-adds, far below what a tensor op costs to
 * dispatch (docs/performance.md).
 */
export interface CharLstmOptions {
  /** The sequence: T + 1 character codes (indices into the vocabulary). */
  sequence: Uint16Array;
  vocabulary: number;
  embedding?: number;
  hidden?: number;
  /** Key for θ's initial value. */
  key: Key;
  name?: string;
}

export interface CharLstmState {
  /** particles × H */
  h: Float64Array;
  c: Float64Array;
  /** Characters read in each particle's current pass over the sequence. */
  t: Int32Array;
}

/** Offsets of each weight block inside θ. */
function layout(V: number, E: number, H: number) {
  const emb = 0;
  const wx = emb + V * E;
  const wh = wx + 4 * H * E;
  const b = wh + 4 * H * H;
  const wo = b + 4 * H;
  const bo = wo + V * H;
  return { emb, wx, wh, b, wo, bo, dim: bo + V };
}

const sigmoid = (x: number) => 1 / (1 + exp(-x));
// The task is deterministic: its key arguments are unused.
const EVAL_KEY = makeKey(0);

export function charLstmTask(options: CharLstmOptions): Task<CharLstmState> {
  const V = options.vocabulary;
  const E = options.embedding ?? 5;
  const H = options.hidden ?? 5;
  const { sequence } = options;
  const horizon = sequence.length - 1;
  if (horizon < 1) throw new DataError('the sequence needs at least two characters');
  const schedule = truncationSchedule(horizon);
  const L = layout(V, E, H);
  const initial = normal(options.key, L.dim).map((z) => 0.3 * z);
  const z = new Float64Array(4 * H);
  const logits = new Float64Array(V);

  /** One character for one particle: updates h, c in place and returns the loss of the next. */
  const step = (
    theta: Float64Array,
    o: number,
    h: Float64Array,
    c: Float64Array,
    hs: number,
    t: number,
  ): number => {
    const x = sequence[t]!;
    const target = sequence[t + 1]!;
    for (let r = 0; r < 4 * H; r++) {
      let v = theta[o + L.b + r]!;
      const rx = o + L.wx + r * E;
      const ex = o + L.emb + x * E;
      for (let j = 0; j < E; j++) v += theta[rx + j]! * theta[ex + j]!;
      const rh = o + L.wh + r * H;
      for (let j = 0; j < H; j++) v += theta[rh + j]! * h[hs + j]!;
      z[r] = v;
    }
    for (let j = 0; j < H; j++) {
      const i = sigmoid(z[j]!);
      const f = sigmoid(z[H + j]!);
      const g = tanh(z[2 * H + j]!);
      const out = sigmoid(z[3 * H + j]!);
      const cj = f * c[hs + j]! + i * g;
      c[hs + j] = cj;
      h[hs + j] = out * tanh(cj);
    }
    let max = -Infinity;
    for (let k = 0; k < V; k++) {
      let v = theta[o + L.bo + k]!;
      const row = o + L.wo + k * H;
      for (let j = 0; j < H; j++) v += theta[row + j]! * h[hs + j]!;
      logits[k] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let k = 0; k < V; k++) sum += exp(logits[k]! - max);
    return max + log(sum) - logits[target]!;
  };

  const task: Task<CharLstmState> = {
    name: options.name ?? 'char-lstm',
    dim: L.dim,
    horizon,
    initialTheta: () => initial.slice(),
    init(_key: Key, particles: number, initOptions?: InitOptions) {
      const t = schedule.init(particles, initOptions?.stepOffsets);
      return { h: new Float64Array(particles * H), c: new Float64Array(particles * H), t };
    },
    unroll(state, thetas, steps) {
      const particles = state.t.length;
      if (thetas.length !== particles * L.dim)
        throw new RangeError(`expected ${particles} × ${L.dim} thetas`);
      const h = state.h.slice();
      const c = state.c.slice();
      const episodes = schedule.unroll(state.t, steps);
      const losses = new Float64Array(particles * steps);
      for (let p = 0; p < particles; p++) {
        const o = p * L.dim;
        const hs = p * H;
        for (let k = 0; k < steps; k++) {
          losses[p * steps + k] = step(thetas, o, h, c, hs, episodes.t[p]!);
          if (episodes.step(p, k)) {
            h.fill(0, hs, hs + H);
            c.fill(0, hs, hs + H);
          }
        }
      }
      return { state: { h, c, t: episodes.t }, losses, done: episodes.done };
    },
    reset(state, mask) {
      const next = { h: state.h.slice(), c: state.c.slice(), t: schedule.reset(state.t, mask) };
      for (let p = 0; p < mask.length; p++) {
        if (!mask[p]) continue;
        next.h.fill(0, p * H, (p + 1) * H);
        next.c.fill(0, p * H, (p + 1) * H);
      }
      return next;
    },
    gather(state, indices) {
      const h = new Float64Array(indices.length * H);
      const c = new Float64Array(indices.length * H);
      indices.forEach((from, p) => {
        h.set(state.h.subarray(from * H, (from + 1) * H), p * H);
        c.set(state.c.subarray(from * H, (from + 1) * H), p * H);
      });
      return { h, c, t: schedule.gather(state.t, indices) };
    },
    evaluate(theta): Evaluation {
      const r = task.unroll(task.init(EVAL_KEY, 1), theta, horizon, EVAL_KEY);
      return { evalLoss: r.losses.reduce((a, b) => a + b, 0) };
    },
    restore(snapshot) {
      const s = snapshot as Partial<CharLstmState>;
      if (
        !(s?.h instanceof Float64Array) ||
        !(s.c instanceof Float64Array) ||
        !(s.t instanceof Int32Array)
      ) {
        throw new TypeError('char-lstm checkpoint: state arrays have the wrong type');
      }
      return { h: s.h, c: s.c, t: s.t };
    },
  };
  return task;
}

/** The distinct characters of a text, sorted, and a lookup from character to index. */
export function vocabularyOf(text: string): { characters: string[]; index: Map<string, number> } {
  const characters = [...new Set(text)].sort();
  return { characters, index: new Map(characters.map((ch, i) => [ch, i])) };
}

export type TextKind = 'real' | 'random' | 'repeated';

/**
 * The sequence of T + 1 characters for one of the paper's three kinds: the start of the real
 * text; uniformly random characters of its vocabulary (drawn from a key); one character repeated.
 */
export function sequenceOf(
  text: string,
  kind: TextKind,
  length: number,
  key: Key,
): { sequence: Uint16Array; vocabulary: number } {
  if (text.length === 0) throw new DataError('the text is empty');
  const chars = [...text];
  if (chars.length < length + 1) {
    throw new DataError(
      `the text has ${chars.length} characters; a sequence of T = ${length} needs ${length + 1}`,
    );
  }
  const { characters, index } = vocabularyOf(text);
  const V = characters.length;
  if (kind === 'real')
    return {
      sequence: Uint16Array.from(chars.slice(0, length + 1), (ch) => index.get(ch)!),
      vocabulary: V,
    };
  if (kind === 'random')
    return { sequence: Uint16Array.from(randomIntegers(key, length + 1, V)), vocabulary: V };
  const common = index.get(chars[0]!)!;
  return { sequence: new Uint16Array(length + 1).fill(common), vocabulary: V };
}
