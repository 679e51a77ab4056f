// The whole suite, as CI runs it: type check, lint, then vitest. Prints one closing line
// `N passed, N failed` (type check and lint count as one test each) and exits non-zero on failure.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const extra = process.argv.slice(2);
let passed = 0;
let failed = 0;

function step(name, cmd, args) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status === 0) passed++;
  else {
    failed++;
    process.stdout.write(`${name}: FAILED (exit ${r.status ?? r.signal})\n`);
  }
}

if (extra.length === 0) {
  step('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
  step('typecheck web', 'npx', ['tsc', '--noEmit', '-p', 'web']);
  step('lint', 'npx', ['eslint', '--max-warnings=0', '.']);
}
const results = '.test-results.json';
rmSync(results, { force: true });
process.stdout.write('\n== vitest\n');
const v = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...extra], {
  stdio: 'inherit',
});
try {
  const report = JSON.parse(readFileSync(results, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A suite that failed to load has no tests counted: count it as a failure.
  failed += report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
} catch {
  failed++;
  process.stdout.write('vitest: no results (it crashed before reporting)\n');
}
if (v.status !== 0 && failed === 0) failed++;
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
