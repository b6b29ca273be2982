import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, startWorkers, stopWorkers } from './cluster-processes.js';
import { exited, spawnBuilt, temporaryDirectory } from './helpers.js';
import { testRedis } from './redis-server.js';
import { writeTuneFixtures } from './tune-fixtures.js';

// Issue 27: `pes tune` as a user runs it (the built command, real processes), on a saved tfjs
// model and CSV files: it tunes, retrains, reports, resumes after kill -9 to the same θ, gives
// the same θ on 1 and 2 workers, and refuses bad input in one line with exit 2.

let files: Awaited<ReturnType<typeof writeTuneFixtures>>;
const root = temporaryDirectory('pes-tune-');
beforeAll(async () => {
  files = await writeTuneFixtures(root);
});
// Database 0: the cluster tests have 1-15 when one Redis serves every file.
const redis = await testRedis();
afterAll(async () => {
  killAll();
  await redis?.stop();
});

// 60-step training runs, 4 particles, 30 iterations: seconds.
const tiny = () => [
  'tune',
  '--model', files.model, '--train', files.train, '--validation', files.validation,
  '--label', 'species', '--hyperparameters', files.space,
  '--horizon', '60', '--unroll', '5', '--particles', '4', '--iterations', '30',
  '--eval-every', '15', '--outer-lr', '0.3', '--checkpoint-every', '2', '--objective', 'val-accuracy',
]; // prettier-ignore

const resultOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));

async function tune(args: string[]) {
  const child = spawnBuilt(args);
  const { code } = await exited(child);
  return { code, ...child.output() };
}

describe('pes tune', () => {
  it('tunes a saved model on CSV files: better validation accuracy after retraining, the tuned hyperparameters and their plot', async () => {
    const out = join(root, 'one');
    const run = await tune([...tiny(), '--workers', '1', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const { initial, final } = resultOf(out);
    // From lr 1e-3 (barely trains in 60 steps) PES raises the learning rate.
    expect(final.valAccuracy).toBeGreaterThan(initial.valAccuracy + 0.2);
    expect(run.stdout).toMatch(/the model retrained from scratch for 60 steps/);
    expect(run.stdout).toMatch(/tuned hyperparameters:\n {2}learningRate {7}piecewise: /);
    const tuned = JSON.parse(readFileSync(join(out, 'hyperparameters.json'), 'utf8'));
    expect(Object.keys(tuned.tuned)).toEqual(['learningRate', 'momentum']);
    expect(tuned.tuned.learningRate.values.at(-1).value).toBeGreaterThan(1e-3);
    expect(tuned.optimizer.className).toBe('PesTunedOptimizer');
    expect(tuned.optimizer.config.theta).toEqual(resultOf(out).theta);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      'hyperparameters over a training run',
    );
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.task).toBe('model-tuning');
    // The space itself, not the file's path: a resume reads what the run started with.
    expect(JSON.parse(config.hyperparameters)).toEqual({
      learningRate: { schedule: 'piecewise-log-linear', initial: 0.001 },
      momentum: { range: [0, 0.99], initial: 0.5 },
    });
  }, 120_000);

  it('runs random search on the same task, over the box of the search space', async () => {
    const out = join(root, 'random');
    const run = await tune([
      ...tiny(), '--estimator', 'random-search', '--eval-every', '0', '--workers', '1',
      '--out', out,
    ]); // prettier-ignore
    expect(run.code, run.stderr).toBe(0);
    const { initial, final } = resultOf(out);
    // PES's budget (30 iterations × 4 particles × 5 steps) buys 10 whole 60-step runs.
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10);
    expect(final.valAccuracy).toBeGreaterThanOrEqual(initial.valAccuracy);
  }, 120_000);

  it('gives the same θ on 2 workers as on 1', async () => {
    const one = join(root, 'one-again');
    const two = join(root, 'two');
    const [a, b] = [
      await tune([...tiny(), '--workers', '1', '--out', one]),
      await tune([...tiny(), '--workers', '2', '--out', two]),
    ];
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(b.stdout).toMatch(/particles split over 2 worker/);
    expect(resultOf(two).theta).toEqual(resultOf(one).theta);
    expect(resultOf(two).history).toEqual(resultOf(one).history);
  }, 180_000);

  it('resumes after kill -9 to the θ of the uninterrupted run, whatever became of the search space file', async () => {
    const straight = join(root, 'straight');
    const killed = join(root, 'killed');
    const args = [...tiny(), '--iterations', '40', '--workers', '1'];
    expect((await tune([...args, '--out', straight])).code).toBe(0);
    const child = spawnBuilt([...args, '--out', killed]);
    const metrics = join(killed, 'metrics.jsonl');
    while (!existsSync(metrics) || readFileSync(metrics, 'utf8').split('\n').length < 12)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect((await exited(child)).signal).toBe('SIGKILL');
    const space = readFileSync(files.space, 'utf8');
    writeFileSync(files.space, 'weightDecay: { range: [1.0e-6, 1.0e-2], log: true }\n');
    const resumed = await tune(['tune', '--resume', killed]);
    writeFileSync(files.space, space);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming .* at iteration \d+ of 40/);
    expect(resumed.stdout).toMatch(/tuned hyperparameters:/);
    expect(resultOf(killed).theta).toEqual(resultOf(straight).theta);
  }, 180_000);

  it('refuses bad input in one line with exit 2, before any run directory exists', async () => {
    writeFileSync(join(root, 'not-a-model.json'), '{"layers": []}');
    writeFileSync(join(root, 'three.csv'), 'a,b,c,species\n1,2,3,setosa\n');
    writeFileSync(join(root, 'unknown.yaml'), 'learningRat: { range: [0.001, 0.1] }\n');
    writeFileSync(join(root, 'min-max.yaml'), 'momentum: { range: [0.9, 0.1] }\n');
    const cases: [string[], RegExp][] = [
      [
        ['--model', join(root, 'not-a-model.json')],
        /^pes: --model \S+not-a-model.json: not a tfjs-layers model.json/,
      ],
      [
        ['--train', join(root, 'three.csv'), '--validation', join(root, 'three.csv')],
        /^pes: --train \S+three.csv: 3 feature columns \(a, b, c\), but the model's input takes 4 values/,
      ],
      [
        ['--hyperparameters', join(root, 'unknown.yaml')],
        /^pes: --hyperparameters \S+: hyperparameters.learningRat: unknown hyperparameter; known: learningRate/,
      ],
      [
        ['--hyperparameters', join(root, 'min-max.yaml')],
        /^pes: --hyperparameters \S+: hyperparameters.momentum: range \[0.9, 0.1\] has min > max/,
      ],
      [['--label', 'kind'], /^pes: --train \S+: no column 'kind' \(the --label column\)/],
      [
        ['--dataset', 'mnist'],
        /^pes: give either --train and --validation \(CSV files\) or --dataset/,
      ],
    ];
    for (const [change, message] of cases) {
      const args = tiny();
      for (let i = 0; i < change.length; i += 2) {
        const at = args.indexOf(change[i]!);
        if (at >= 0) args[at + 1] = change[i + 1]!;
        else args.push(change[i]!, change[i + 1]!);
      }
      const out = join(root, `bad-${cases.findIndex((c) => c[1] === message)}`);
      const run = await tune([...args, '--out', out]);
      expect(run.code, run.stderr).toBe(2);
      const lines = run.stderr.split('\n').filter((l) => l.startsWith('pes:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    }
  }, 180_000);

  it.skipIf(!redis)(
    'gives the θ of a local run with a pes worker attached through Redis',
    async () => {
      const local = join(root, 'local');
      const remote = join(root, 'remote');
      expect((await tune([...tiny(), '--workers', '1', '--out', local])).code).toBe(0);
      const pool = await startWorkers(redis!.url(0), 1);
      const run = await tune([
        ...tiny(),
        '--redis',
        redis!.url(0),
        '--workers',
        '1',
        '--out',
        remote,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/tuned hyperparameters:/);
      expect(resultOf(remote).theta).toEqual(resultOf(local).theta);
      await stopWorkers(pool);
    },
    180_000,
  );

  it('pes experiment tune-comparison without its Python: one line, exit 2', async () => {
    const run = await tune([
      'experiment', 'tune-comparison', '--python', join(root, 'no-python'), '--out', join(root, 'cmp'),
    ]); // prettier-ignore
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^pes: --python \S+no-python does not exist: python3 -m venv ~\/.cache\/pes\/jax-venv && .* -r tools\/bench\/requirements.txt$/,
    );
  });
});
