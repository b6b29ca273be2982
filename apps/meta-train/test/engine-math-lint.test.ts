import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * eslint.config.js forbids `Math.exp`, `Math.log`, … and `**` in every package's and app's
 * source: numbers that can reach θ take @pes/core's engine-independent functions. These tests
 * run the repository's own configuration, as `npm run lint` does.
 */
const root = join(import.meta.dirname, '../../..');
const RULES = new Set(['no-restricted-properties', 'no-restricted-syntax']);

async function problems(code: string, file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId !== null && RULES.has(m.ruleId))
    .map((m) => m.message);
}

describe('the lint rule against engine-dependent elementary functions', () => {
  it('catches Math.exp, Math.pow and ** in core, in the other packages and in the apps', async () => {
    const code = [
      'export const a = (x: number) => Math.exp(x);',
      'export const b = (x: number) => Math.pow(x, 1.5);',
      'export const c = (x: number) => x ** 2;',
      'export const d = (x: number) => Math.tanh(x) + Math.hypot(x, 1);',
    ].join('\n');
    for (const file of [
      'packages/core/src/probe.ts',
      'packages/learned-opt/src/probe.ts',
      'apps/meta-train/src/probe.ts',
    ]) {
      const found = await problems(code, file);
      expect(found, file).toHaveLength(5);
      expect(found[0]).toMatch(/Math\.exp rounds differently in each JavaScript engine/);
      expect(found[2]).toMatch(/`\*\*` rounds differently/);
    }
  });

  it('lets exact arithmetic through: sqrt, integer powers of two, and a marked exception', async () => {
    const code = [
      'export const a = (x: number) => Math.sqrt(x) + Math.abs(x) + Math.floor(x);',
      'export const b = 2 ** 31 - 1;',
      '// eslint-disable-next-line no-restricted-properties -- a plot axis, never θ',
      'export const c = (x: number) => Math.log10(x);',
    ].join('\n');
    expect(await problems(code, 'packages/core/src/probe.ts')).toEqual([]);
  });

  it('finds none in the sources as they are', async () => {
    const eslint = new ESLint({ cwd: root });
    const results = await eslint.lintFiles(['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts']);
    const found = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId !== null && RULES.has(m.ruleId))
        .map((m) => `${r.filePath.slice(root.length + 1)}:${m.line}: ${m.message}`),
    );
    expect(found).toEqual([]);
  }, 120_000);
});
