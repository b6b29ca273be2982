import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pes, temporaryDirectory } from './helpers.js';

describe('swimmer at the command line', () => {
  it('meta-trains the linear policy with PES, ascending, and reports returns and environment steps per second', async () => {
    const out = join(temporaryDirectory(), 'run');
    const { status, out: lines } = await pes(
      'meta-train',
      '--task',
      'swimmer',
      '--horizon',
      '50',
      '--unroll',
      '10',
      '--iterations',
      '4',
      '--eval-every',
      '2',
      '--out',
      out,
    );
    expect(status).toBe(0);
    expect(lines.join('\n')).toMatch(/inner steps\/s/);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.config).toMatchObject({
      unrollLength: 10,
      particles: 20,
      sigma: 0.3,
      outerOptimizer: 'sgd',
      outerLr: 0.1,
      fitnessShaping: true,
    });
    expect(result.theta).toHaveLength(16);
    expect(typeof result.final.evalReturn).toBe('number');
  });

  it.each([
    [
      ['--estimator', 'tbptt'],
      /estimator tbptt needs a differentiable task; swimmer does not declare one/,
    ],
    [['--estimator', 'reinforce'], /unknown estimator 'reinforce'/],
    [['--horizon', '0'], /--horizon: .*\(got 0\)/],
    [['--unroll', '2000'], /--unroll 2000 is longer than the horizon --horizon 1000/],
  ])('%j: one line, exit 2, nothing written', async (args, message) => {
    const out = join(temporaryDirectory(), 'run');
    const { status, err } = await pes('meta-train', '--task', 'swimmer', ...args, '--out', out);
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(message)]);
    expect(existsSync(out)).toBe(false);
  });

  it('pes experiment swimmer runs the three methods and plots return against environment steps', async () => {
    const out = join(temporaryDirectory(), 'exp');
    const { status } = await pes(
      'experiment',
      'swimmer',
      '--out',
      out,
      '--seeds',
      '1',
      '--iterations',
      '10',
    );
    expect(status).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.finals.map((f: { method: string }) => f.method)).toEqual([
      'PES K=100',
      'TES K=100',
      'ES K=1000',
    ]);
    expect(results.finals[0].envSteps).toBe(results.finals[2].envSteps); // the same environment-step budget
    expect(readFileSync(join(out, 'swimmer.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 180_000);
});
