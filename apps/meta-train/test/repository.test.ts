import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const units = [
  'packages/core',
  'packages/inner-problems',
  'packages/hpo',
  'packages/learned-opt',
  'packages/cluster',
  'packages/runner',
  'packages/experiments',
  'apps/meta-train',
];

function files(dir: string, ext: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : ext.test(name) ? [path] : [];
  });
}

describe('the repository stands on its own', () => {
  it('every document a source comment names is in the repository', () => {
    const missing: string[] = [];
    for (const unit of units) {
      for (const file of files(join(root, unit, 'src'), /\.ts$/)) {
        const text = readFileSync(file, 'utf8');
        for (const [name] of text.matchAll(/\b(?:docs\/[\w/.-]+\.md|[A-Z][A-Z_]+\.md)\b/g)) {
          const candidates = [
            join(root, name),
            join(root, 'docs', name),
            join(dirname(file), name),
          ];
          if (!candidates.some(existsSync)) missing.push(`${relative(root, file)}: ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('the README and docs/ name no absolute path of a machine', () => {
    const hits: string[] = [];
    for (const file of [join(root, 'README.md'), ...files(join(root, 'docs'), /\.md$/)]) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/(^|[\s(`'"])\/(work|root|home|tmp|Users)\//.test(line) || line.includes(root))
          hits.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('every package a unit imports is declared in its package.json', () => {
    const undeclared: string[] = [];
    const builtins = new Set(builtinModules);
    for (const unit of units) {
      const manifest = JSON.parse(readFileSync(join(root, unit, 'package.json'), 'utf8'));
      const declared = new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      for (const file of files(join(root, unit, 'src'), /\.ts$/)) {
        const text = readFileSync(file, 'utf8');
        for (const [, spec] of text.matchAll(/(?<![.\w])(?:from|import)\s*\(?\s*'([@\w][^']*)'/g)) {
          if (spec!.startsWith('node:') || builtins.has(spec!)) continue;
          const name = spec!.startsWith('@')
            ? spec!.split('/').slice(0, 2).join('/')
            : spec!.split('/')[0]!;
          if (name !== manifest.name && !declared.has(name))
            undeclared.push(`${relative(root, file)} imports ${name}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });
});

describe('one resolved run', () => {
  it('no task spec restates a default: its options arrive resolved (core resolveRun)', () => {
    // A task spec is a file that calls defineTask; `options.x ?? value` in one would be a second
    // default beside the spec's `defaults`, which the run has already applied. Two defaults are
    // not constants, so no spec can state them: lopt-family's `family` (a whole task family,
    // which config.json leaves out) and an image task's `arch` where the dataset may change
    // (the network fits the data's features).
    const restated: string[] = [];
    for (const unit of ['packages/inner-problems', 'packages/hpo', 'packages/learned-opt'])
      for (const file of files(join(root, unit, 'src'), /\.ts$/)) {
        const text = readFileSync(file, 'utf8');
        if (!text.includes('defineTask(')) continue;
        for (const match of text.matchAll(/\b(?:options|settings)\.(\w+) \?\?/g))
          if (!['family', 'arch'].includes(match[1]!))
            restated.push(`${relative(root, file)}: ${match[0]}`);
      }
    expect(restated).toEqual([]);
  });
});

describe('imports run one way', () => {
  it('no module reaches itself through its imports (madge finds no cycle, type imports too)', async () => {
    const { default: madge } = await import('madge');
    const sources = [...units.map((u) => join(root, u, 'src')), join(root, 'apps/playground/src')];
    const result = await madge(sources, {
      fileExtensions: ['ts'],
      tsConfig: join(root, 'tsconfig.base.json'),
      excludeRegExp: [/[\\/]dist[\\/]/, /node_modules/],
    });
    expect(result.circular()).toEqual([]);
  }, 120_000);
});

describe('the apps stay thin shells (issue 24)', () => {
  it('apps/meta-train/src is at most 4,000 lines, and no source file of an app is over 300', () => {
    const lengths = ['apps/meta-train', 'apps/playground'].flatMap((app) =>
      files(join(root, app, 'src'), /\.ts$/).map((file) => ({
        file: relative(root, file),
        lines: readFileSync(file, 'utf8').split('\n').length - 1,
      })),
    );
    const app = lengths.filter((l) => l.file.startsWith('apps/meta-train/'));
    expect(app.reduce((n, l) => n + l.lines, 0)).toBeLessThanOrEqual(4000);
    expect(lengths.filter((l) => l.lines > 300)).toEqual([]);
  });
});
