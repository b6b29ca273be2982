import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

/**
 * The page and its worker read the packages from their TypeScript source (the `@pes/source`
 * condition, as the tests do), so a build needs no `tsc -b` first. `base: './'` lets dist/ be
 * served from any path.
 */
export const playgroundConfig = defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { conditions: ['@pes/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});

// Vite reads its configuration from the default export.
// eslint-disable-next-line no-restricted-syntax
export default playgroundConfig;
