#!/usr/bin/env node
// The `pes` command runs the compiled app, which `npm ci` builds (the root `prepare` script).
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js'))
    throw error;
  process.stderr.write('pes: the app is not built; run `npm run build` at the repository root\n');
  process.exit(2);
}
