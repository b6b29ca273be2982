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
        for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([@\w][^']*)'/g)) {
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
