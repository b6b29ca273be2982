#!/usr/bin/env node
// Adds up the vitest JSON reports under reports/ and prints one plain line,
// `N passed, N failed, N skipped`, so that CI sees how many tests really ran.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports';
let files = [];
try {
  files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('vitest.json'));
} catch {
  // no reports directory: nothing ran
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + filesThatFailedToLoad(report);
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = files.length === 0 || failed > 0 ? 1 : 0;

// A test file that failed before running any test (a syntax or import error) counts as one
// failure; a file whose tests failed is already counted through those tests.
function filesThatFailedToLoad(report) {
  return report.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0)
    .length;
}
