#!/usr/bin/env node
// `npm run fuzz`: the fuzz tests (test/fuzz/) with more cases and a new
// seed each run, for nightly use. The seed is printed first and with any failure, so the run can be
// replayed exactly: FUZZ_SEED=<seed> npm run fuzz (add FUZZ_CASE=<n> for the one failing case).
//
//   FUZZ_SEED   the seed (default: from the clock)
//   FUZZ_SCALE  case counts multiplied by this (default 10: about ten times the suite's run)
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

const seed = process.env.FUZZ_SEED ?? String((Date.now() ^ randomInt(2 ** 30)) >>> 0);
const scale = process.env.FUZZ_SCALE ?? '10';
if (!/^\d+$/.test(seed)) {
  process.stderr.write(`FUZZ_SEED must be a whole number, got "${seed}"\n`);
  process.exit(2);
}
process.stdout.write(`fuzz: FUZZ_SEED=${seed} FUZZ_SCALE=${scale}\n`);
const args = ['vitest', 'run', 'test/fuzz', ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, FUZZ_SEED: seed, FUZZ_SCALE: scale } });
if (run.status !== 0) {
  process.stdout.write(`\nfuzz: FAILED with FUZZ_SEED=${seed} FUZZ_SCALE=${scale}\nreplay: FUZZ_SEED=${seed} FUZZ_SCALE=${scale} npm run fuzz\n`);
  process.exit(run.status ?? 1);
}
process.stdout.write(`fuzz: passed with FUZZ_SEED=${seed} FUZZ_SCALE=${scale}\n`);
