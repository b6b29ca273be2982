import { adam, applyUpdates, makeKey, sgd } from '@pes/core';
import { describe, expect, it } from 'vitest';
import { learnableAdam, learnableSgd } from '../src/index.js';

const grads = Float64Array.of(0.5, -2);
const params = Float64Array.of(1, 1);

describe('learnable baselines', () => {
  it('learnable SGD at θ = [log lr] is SGD with lr', () => {
    const lopt = learnableSgd(0.1);
    const theta = lopt.initTheta(makeKey(0));
    const opt = lopt.optimizer(theta);
    const [u] = opt.update(grads, opt.init(params), params);
    const [v] = sgd(0.1).update(grads, sgd(0.1).init(params), params);
    u.forEach((x, i) => expect(x).toBeCloseTo(v[i]!, 15));
  });

  it('learnable Adam at its initial θ matches Adam with those settings over several steps', () => {
    const lopt = learnableAdam({ learningRate: 0.01, b1: 0.8, b2: 0.99 });
    const mine = lopt.optimizer(lopt.initTheta(makeKey(0)));
    const reference = adam(0.01, { b1: 0.8, b2: 0.99 });
    let p: Float64Array = params;
    let q: Float64Array = params;
    let s = mine.init(p);
    let r = reference.init(q);
    for (let i = 0; i < 5; i++) {
      const [u, s2] = mine.update(grads, s, p);
      const [v, r2] = reference.update(grads, r, q);
      p = applyUpdates(p, u);
      q = applyUpdates(q, v);
      s = s2;
      r = r2;
    }
    p.forEach((x, i) => expect(x).toBeCloseTo(q[i]!, 12));
  });

  it('extreme θ still gives a valid optimizer', () => {
    const opt = learnableAdam().optimizer([0, 60, 60]);
    const [u] = opt.update(grads, opt.init(params), params);
    expect(u.every(Number.isFinite)).toBe(true);
  });

  it('a θ too short is a clear error', () => {
    expect(() => learnableAdam().optimizer([0])).toThrow(/needs θ of length 2, got 1/);
  });
});
