import { fileURLToPath } from 'node:url';

/**
 * The command line, after node itself, that runs this very `pes`: the TypeScript source under
 * the tests, dist/ otherwise. Experiments start their `pes` children with it.
 */
export function pesCommand(): string[] {
  const source = import.meta.url.endsWith('.ts');
  const cli = fileURLToPath(new URL(source ? './cli.ts' : './cli.js', import.meta.url));
  return source ? ['--conditions=@pes/source', '--import', 'tsx', cli] : [cli];
}
