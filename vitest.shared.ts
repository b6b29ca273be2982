import { basename, join, relative } from 'node:path';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * One vitest configuration for every package: sibling packages are read from their
 * TypeScript source through the `@pes/source` export condition, so tests need no build.
 * Setting `conditions` replaces vite's defaults, hence the spread.
 */
export function defineProjectConfig(
  projectRoot: string,
  options: { setupFiles?: string[]; globalSetup?: string[] } = {},
): ViteUserConfig {
  const name = basename(projectRoot);
  const workspaceRoot = join(import.meta.dirname);
  // Each project's JSON report lands in reports/<project root>/vitest.json, where
  // tools/test-summary.mjs adds them up for CI.
  const report = join(
    workspaceRoot,
    'reports',
    relative(workspaceRoot, projectRoot),
    'vitest.json',
  );
  return defineConfig({
    resolve: { conditions: ['@pes/source', ...defaultClientConditions] },
    ssr: { resolve: { conditions: ['@pes/source', ...defaultServerConditions] } },
    test: {
      name,
      root: projectRoot,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      setupFiles: options.setupFiles ?? [],
      globalSetup: options.globalSetup ?? [],
      // The suite computes on WebAssembly wherever tfjs-node is installed too, so its figures are
      // the same on every machine; native-backend.test.ts runs the tensorflow part.
      // `PES_BACKEND=tensorflow npm test` runs all of it on tfjs-node.
      env: { PES_BACKEND: process.env.PES_BACKEND ?? 'wasm' },
      testTimeout: 60_000,
      hookTimeout: 120_000,
      reporters: ['default', 'json'],
      outputFile: { json: report },
    },
  });
}
