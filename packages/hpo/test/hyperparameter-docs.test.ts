import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hyperparameterRegistry } from '../src/index.js';

// The hyperparameters are declared once, in their registry; docs/tuning-your-model.md's table
// states each one as the registry does (pes list prints it, the search space reads it).

const docs = readFileSync(join(import.meta.dirname, '../../../docs/tuning-your-model.md'), 'utf8');
/** A number as the table writes it: 1e-5, 1e-2, 0.99, 10. */
const number = (x: number) => (x !== 0 && Math.abs(x) <= 1e-2 ? x.toExponential() : String(x));

describe('docs/tuning-your-model.md', () => {
  it('has a row for every hyperparameter of the registry, and none more, as it declares them', () => {
    // The table under the header `| name | optimizers | …`, to the first line after it that is not a row.
    const lines = docs.split('\n');
    const header = lines.findIndex((l) => /^\| name +\| optimizers /.test(l));
    const end = lines.findIndex((l, i) => i > header && !l.startsWith('|'));
    const rows = lines.slice(header + 2, end).map((l) =>
      l
        .split('|')
        .map((c) => c.trim())
        .slice(1, -1),
    );
    expect(rows.map((r) => r[0])).toEqual(hyperparameterRegistry.map((h) => `\`${h.name}\``));
    for (const h of hyperparameterRegistry) {
      const [, optimizers, kind, range, scale, untuned] = rows.find(
        (r) => r[0] === `\`${h.name}\``,
      )!;
      expect(optimizers).toBe(h.optimizers.join(', '));
      expect(kind).toBe(
        h.perLayer ? 'constant per layer' : h.schedulable ? 'constant or schedule' : 'constant',
      );
      expect(range).toBe(`[${h.defaultRange.map(number).join(', ')}]`);
      expect(scale).toBe(h.log ? 'log' : 'linear');
      expect(untuned).toBe(String(h.perLayer ? 1 : h.fixed));
    }
  });
});
