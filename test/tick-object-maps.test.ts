import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { keepingTickObject, keepTickObjectMapsAlive } from '../src/http/tick-object-maps.js';
import { tempDir } from './helpers/server.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * src/http/tick-object-maps.ts works around a V8 behaviour: the maps between the keys of process.nextTick's
 * tick-object literal die in a full collection while no tick object is alive, and the literal's inline caches
 * turn megamorphic after a few such collections. These tests hold the module to what it relies on, and show the
 * behaviour itself on this Node, so that an upgrade that changes either is noticed.
 */
describe('keeping the tick objects’ maps alive', () => {
  it('keeps the tick object a nextTick callback runs in', async () => {
    const stop = keepTickObjectMapsAlive();
    try {
      await turn();
      assert.equal(keepingTickObject(), true);
    } finally {
      stop();
    }
    assert.equal(keepingTickObject(), false);
  });

  it('keeps the tick literal’s inline caches from turning megamorphic across idle full collections', () => {
    // A child process with V8's natives syntax: many varied ticks, then full collections while none is alive,
    // eight times over; then the state of the caches in nextTick’s feedback vector.
    const module = pathToFileURL(path.resolve('dist/http/tick-object-maps.js')).href;
    const dir = tempDir('xmedia-ticks-');
    after(() => rmSync(dir, { recursive: true, force: true }));
    const script = path.join(dir, 'ticks.mjs');
    writeFileSync(
      script,
      `import { keepTickObjectMapsAlive } from ${JSON.stringify(module)};
      if (process.argv[2] === 'keep') keepTickObjectMapsAlive();
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const callbacks = [() => {}, function named() {}, async () => {}];
      for (let round = 0; round < 8; round++) {
        for (let i = 0; i < 2000; i++) {
          process.nextTick(callbacks[i % 3], i);
          if (i % 100 === 0) await turn();
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
        globalThis.gc();
        globalThis.gc();
      }
      %DebugPrint(process.nextTick);
      process.exit(0);`,
    );
    const megamorphic = (mode: string) => {
      const run = spawnSync(process.execPath, ['--expose-gc', '--allow-natives-syntax', script, mode], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      return (run.stdout.match(/DefineKeyedOwnPropertyInLiteral MEGAMORPHIC/g) ?? []).length;
    };
    // About one run in 8 to 60 shows no megamorphic slot at all (why was not found; a failed clean-clone CI run
    // hit it), so the behaviour itself gets three tries; the remedy must hold every time.
    const plain = [megamorphic('plain')];
    while (plain.at(-1) !== 3 && plain.length < 3) plain.push(megamorphic('plain'));
    assert.equal(plain.at(-1), 3, `without a kept tick object, the caches of the literal’s last three keys go megamorphic (${plain.join(', ')})`);
    for (let run = 0; run < 3; run++) assert.equal(megamorphic('keep'), 0, 'with one, none does');
  });
});
