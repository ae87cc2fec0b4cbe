import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { holdsMoreValues } from '../../src/http/body-parsers.js';
import { FUZZ_SEED } from '../helpers/fuzz.js';

/** XMEDIA_JSON_MAX_VALUES's count: one plus every `[`, `{` and `,` outside strings, checked before parsing. */
describe('counting JSON values', () => {
  /** The count written out plainly: the oracle. */
  function count(text: string): number {
    let n = 1;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '[' || c === '{' || c === ',') n++;
    }
    return n;
  }

  it('is over the limit exactly when the count is, at every limit around the count', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: -3, max: 3 }), (value, delta) => {
        const text = JSON.stringify(value);
        const max = Math.max(1, count(text) + delta);
        assert.equal(holdsMoreValues(Buffer.from(text), max), count(text) > max, `${text} with max ${max}`);
      }),
      { numRuns: 2000, seed: FUZZ_SEED },
    );
  });

  it('cannot be over the limit with fewer bytes than the limit (such bodies are not scanned)', () => {
    assert.equal(holdsMoreValues(Buffer.from('[[[[,,,,]]]]'), 13), false);
    assert.equal(holdsMoreValues(Buffer.from('[[[[,,,,]]]]'), 12), false);
    assert.equal(holdsMoreValues(Buffer.from('[[[[,,,,]]]]'), 8), true);
    assert.equal(holdsMoreValues(Buffer.from(',,,,,,,,,,,'), 11), true);
  });
});
