import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Builds the workspace once before the app's tests: some run the built `pes` and pack dist/. */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b'], {
    cwd: join(import.meta.dirname, '../../..'),
    stdio: 'inherit',
  });
}
