#!/usr/bin/env node
// The long fuzz run (docs/RELIABILITY.md "Fuzzing"): the properties of test/fuzz.test.ts with FUZZ_RUNS cases in
// total (default 100,000) and a random seed, printed first so that a failure can be replayed:
//   npm run fuzz                          a new random seed, 100,000 cases
//   FUZZ_RUNS=300000 npm run fuzz         more cases
//   FUZZ_SEED=123456 npm run fuzz         replays a run (same seed and same FUZZ_RUNS → same cases)
// Arguments after `--` go to `node --test` (for example --test-name-pattern=consent).
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

const runs = process.env.FUZZ_RUNS ?? '100000';
const seed = process.env.FUZZ_SEED ?? String(randomInt(1, 2 ** 31 - 1));
if (!/^[0-9]+$/.test(runs) || !/^-?[0-9]+$/.test(seed)) {
  console.error('FUZZ_RUNS and FUZZ_SEED must be integers');
  process.exit(2);
}
console.log(`fuzz: FUZZ_RUNS=${runs} FUZZ_SEED=${seed} (replay: FUZZ_RUNS=${runs} FUZZ_SEED=${seed} npm run fuzz)`);
const started = Date.now();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-timeout=14400000', ...process.argv.slice(2), 'test/fuzz.test.ts'],
  { stdio: 'inherit', env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed } },
);
console.log(`fuzz: ${result.status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s (FUZZ_RUNS=${runs} FUZZ_SEED=${seed})`);
process.exit(result.status ?? 1);
