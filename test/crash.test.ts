import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureBuilt, REPO_ROOT, run } from './helpers/process.js';

/**
 * `npm run test:crash` (scripts/crash.mjs) in miniature, so the script cannot rot: two SIGKILL-and-restart
 * cycles on SQLite under concurrent metadata writes and uploads, nothing acknowledged lost. The long run
 * (20+ cycles, both backends) is the npm script; its figures are in docs/RELIABILITY.md.
 */
describe('crash script', () => {
  before(() => ensureBuilt());

  it('finds nothing lost after two kill -9 cycles on SQLite', async () => {
    const args = ['--cycles', '2', '--backend', 'sqlite', '--max-load-ms', '600', '--quiet'];
    const result = await run(process.execPath, [path.join(REPO_ROOT, 'scripts/crash.mjs'), ...args], { cwd: REPO_ROOT });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /crash \[sqlite\]: 2 cycles .* lost 0,/);
    assert.match(result.stdout, /crash: ok/);
  });
});
