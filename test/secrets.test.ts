import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSecret } from '../src/auth/secrets.js';

describe('generated secrets and identifiers', () => {
  it('never start with "-", so the CLI takes them as option values (`--app <client id>`)', () => {
    // Without the rule, 1 in 64 would: 5,000 draws would all pass by chance with probability ~1e-34.
    for (let n = 0; n < 5_000; n++) assert.ok(!generateSecret(18).startsWith('-'));
  });

  it('are base64url of the bytes asked for', () => {
    assert.match(generateSecret(18), /^[A-Za-z0-9_][A-Za-z0-9_-]{23}$/);
    assert.match(generateSecret(), /^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
  });
});
