import { describe, expect, it } from 'vitest';
import { blowUpMessage, UNWATCHED, watchLoss } from '../src/loss-watch.js';

describe('the loss watch', () => {
  const factor = 10;

  it('records the first loss, and blows up only past factor × it', () => {
    let watch = watchLoss(UNWATCHED, 2, 0, factor);
    expect(watch).toEqual({ initialLoss: 2, blownUpAt: -1 });
    for (const [step, loss] of [1, 20, 19.9, 0.1].entries())
      watch = watchLoss(watch, loss, step + 1, factor);
    expect(watch.blownUpAt).toBe(-1);
    watch = watchLoss(watch, 20.01, 5, factor);
    expect(watch).toEqual({ initialLoss: 2, blownUpAt: 5 });
  });

  it('blows up on a loss that is not finite, even the first', () => {
    expect(watchLoss(UNWATCHED, NaN, 0, factor).blownUpAt).toBe(0);
    const watch = watchLoss(UNWATCHED, 1, 0, factor);
    expect(watchLoss(watch, Infinity, 3, factor).blownUpAt).toBe(3);
  });

  it('stays blown up at the step it first did', () => {
    const blown = { initialLoss: 1, blownUpAt: 4 };
    expect(watchLoss(blown, 1000, 9, factor)).toBe(blown);
    expect(watchLoss(blown, NaN, 9, factor)).toBe(blown);
  });

  it('a negative first loss (a log-likelihood) compares by its size', () => {
    const watch = watchLoss(UNWATCHED, -3, 0, factor);
    expect(watchLoss(watch, 29, 1, factor).blownUpAt).toBe(-1);
    expect(watchLoss(watch, 31, 1, factor).blownUpAt).toBe(1);
  });

  it('says what happened and what follows, in one line', () => {
    const watch = { initialLoss: 2, blownUpAt: 7 };
    const message = blowUpMessage(watch, 25, factor, 'Adam (learning rate 0.001)');
    expect(message).toBe(
      'learned optimizer: training loss 25.00 at step 7 is over 10× its first value 2.000; switching to Adam (learning rate 0.001) for the rest of training',
    );
    expect(blowUpMessage(watch, NaN, factor, undefined)).toMatch(
      /training loss is NaN at step 7; .*fallback: 'adam'/,
    );
    expect(message).not.toContain('\n');
  });
});
