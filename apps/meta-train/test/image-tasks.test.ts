import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot, exited, pes, spawnPes, temporaryDirectory } from './helpers.js';

const shared = join(import.meta.dirname, '../../../../shared/data');
const tiny = [
  '--arch',
  '784-16-10',
  '--batch',
  '8',
  '--horizon',
  '20',
  '--particles',
  '2',
  '--unroll',
  '5',
  '--iterations',
  '3',
  '--eval-every',
  '0',
];

describe('image tasks at the command line', () => {
  it('meta-trains mnist-mlp on the embedded digits and reports validation figures', async () => {
    const out = join(temporaryDirectory(), 'run');
    const { status, out: lines } = await pes(
      'meta-train',
      '--task',
      'mnist-mlp',
      ...tiny,
      '--out',
      out,
    );
    expect(status).toBe(0);
    expect(lines[0]).toMatch(/^pes: tfjs backend (wasm|tensorflow|tensorflow-gpu|cpu)$/);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.final).toHaveProperty('valAccuracy');
    expect(result.final).toHaveProperty('valLoss');
    expect(result.config).toMatchObject({ arch: '784-16-10', batchSize: 8, dataset: 'mnist' });
  });

  it('meta-trains the MLP learned optimizer (lopt-mnist) and summarises its 1,762-number θ', async () => {
    const out = join(temporaryDirectory(), 'lopt');
    const { status, out: lines } = await pes(
      'meta-train',
      '--task',
      'lopt-mnist',
      ...tiny,
      '--iterations',
      '1',
      '--meta-loss',
      'train-loss',
      '--out',
      out,
    );
    expect(status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).objective).toBe('train-loss');
    expect(lines.join('\n')).toMatch(/^ {2}θ {18}1762 numbers, distance moved /m);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).theta).toHaveLength(1762);
    expect(lines.join('\n')).toMatch(/saved {14}.*learned-optimizer\.json/);
    expect(
      JSON.parse(readFileSync(join(out, 'learned-optimizer.json'), 'utf8')).theta,
    ).toHaveLength(1762);
  });

  it.each([
    [['--task', 'quadratic', '--arch', '784-10'], /task quadratic takes no --arch/],
    [['--task', 'mnist-mlp', '--arch', '784-x-10'], /--arch: expected layer sizes joined by -/],
    [['--task', 'mnist-mlp', '--arch', '100-10'], /starts with 100 inputs but .* has 784 features/],
    [
      ['--task', 'mnist-mlp', '--data-dir', '/nonexistent'],
      /MNIST directory \/nonexistent does not exist/,
    ],
    [['--task', 'cifar10-mlp'], /CIFAR-10 has no embedded copy/],
    [
      ['--task', 'lopt-mnist', '--meta-loss', 'val-loss', '--objective', 'train-loss'],
      /'--meta-loss <name>' cannot be used with option '--objective <name>'/,
    ],
  ])('%j: one line, exit 2, nothing written', async (args, message) => {
    const out = join(temporaryDirectory(), 'run');
    const { status, err } = await pes('meta-train', ...args, '--out', out);
    expect(status).toBe(2);
    expect(err).toEqual([expect.stringMatching(message)]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('pes data info', () => {
  it('prints records per split and per class of the embedded MNIST', async () => {
    const { status, out } = await pes('data', 'info', '--dataset', 'mnist');
    expect(status).toBe(0);
    expect(out.join('\n')).toMatch(/^total\s+8000\s+2000$/m);
    expect(out.filter((l) => /^\d\s/.test(l))).toHaveLength(10);
  });

  it('names what is missing, with exit code 2', async () => {
    const missing = await pes(
      'data',
      'info',
      '--dataset',
      'cifar10',
      '--dir',
      '/nonexistent/cifar',
    );
    expect(missing.status).toBe(2);
    expect(missing.err).toEqual([
      expect.stringMatching(/CIFAR-10 directory \/nonexistent\/cifar does not exist/),
    ]);
  });

  it.skipIf(!existsSync(shared))('reads the real CIFAR-10 of ../shared/data', async () => {
    const { status, out } = await pes(
      'data',
      'info',
      '--dataset',
      'cifar10',
      '--dir',
      join(shared, 'cifar-10-batches-bin'),
    );
    expect(status).toBe(0);
    expect(out.join('\n')).toMatch(/^total\s+45000\s+5000$/m);
  });
});

describe('backend choice', () => {
  it('PES_BACKEND picks the backend; a bad or missing one is one line and exit 2', async () => {
    const cpu = spawnPes(
      [
        'meta-train',
        '--task',
        'mnist-mlp',
        ...tiny,
        '--iterations',
        '1',
        '--out',
        join(temporaryDirectory(), 'cpu'),
      ],
      { ...process.env, PES_BACKEND: 'cpu' },
    );
    expect((await exited(cpu)).code).toBe(0);
    expect(cpu.output().stdout).toMatch(/^pes: tfjs backend cpu$/m);

    const bad = spawnPes(
      ['meta-train', '--task', 'mnist-mlp', '--out', join(temporaryDirectory(), 'bad')],
      { ...process.env, PES_BACKEND: 'gpu' },
    );
    expect((await exited(bad)).code).toBe(2);
    expect(bad.output().stderr.trim()).toMatch(
      /^pes: PES_BACKEND=gpu is not a backend; choose one of tensorflow-gpu, tensorflow, wasm, cpu$/,
    );

    // A backend that is not installed: tfjs-node-gpu (npm run setup:native -- --gpu), here.
    const missing = ['tensorflow-gpu', 'tensorflow'].find(
      (b) => !installed(b === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu'),
    );
    if (missing) {
      const absent = spawnPes(
        ['meta-train', '--task', 'mnist-mlp', '--out', join(temporaryDirectory(), 'absent')],
        { ...process.env, PES_BACKEND: missing },
      );
      expect((await exited(absent)).code).toBe(2);
      expect(absent.output().stderr).toMatch(
        new RegExp(`PES_BACKEND=${missing}, but @tensorflow/tfjs-node(-gpu)? could not be loaded`),
      );
    }
  }, 60_000);
});

describe('pes bench inner-step', () => {
  it('prints per particle count the median step time, GFLOP/s and the backend, as JSON on request', async () => {
    const { status, out } = await pes(
      'bench',
      'inner-step',
      '--arch',
      '784-16-10',
      '--batch',
      '8',
      '--particles',
      '1,2',
      '--no-memory',
      '--json',
    );
    expect(status).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report.rows.map((r: { particles: number }) => r.particles)).toEqual([1, 2]);
    for (const row of report.rows) {
      expect(row.ms).toBeGreaterThan(0);
      expect(row.gflops).toBeGreaterThan(0);
      // Both formulations side by side; the figure `ms` is the one this backend runs.
      expect(row.perParticleMs).toBeGreaterThan(0);
      expect(row.batchedMs).toBeGreaterThan(0);
      expect(row.ms).toBe(report.formulation === 'batched' ? row.batchedMs : row.perParticleMs);
    }
    expect(typeof report.backend).toBe('string');
    expect(report.formulation).toBe(
      ['tensorflow', 'tensorflow-gpu', 'webgl', 'webgpu'].includes(report.backend)
        ? 'batched'
        : 'per-particle',
    );
  });
});

/** Whether a package resolves from the app (tfjs-node, where npm run setup:native built it). */
function installed(name: string): boolean {
  try {
    createRequire(join(appRoot, 'package.json')).resolve(name);
    return true;
  } catch {
    return false;
  }
}
