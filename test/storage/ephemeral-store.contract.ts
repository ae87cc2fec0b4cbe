import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { EphemeralStore } from '../../src/storage/ephemeral.js';

export interface OpenedEphemeralStores {
  /** Instances sharing one state: one for an in-process store, several (own connections) for Redis. */
  stores: readonly EphemeralStore[];
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;
/** Short enough to wait out; Redis expires keys on its own clock, so the tests wait rather than pass a later nowMs. */
const SHORT_TTL = 100;
const PAST_SHORT_TTL = 300;

function key(): string {
  return `e-${randomBytes(6).toString('hex')}`;
}

/** What every EphemeralStore must do (src/storage/ephemeral.ts), against the interface only. */
export function runEphemeralStoreContract(name: string, open: () => Promise<OpenedEphemeralStores>): void {
  describe(`EphemeralStore contract: ${name}`, () => {
    let opened: OpenedEphemeralStores;
    let store: EphemeralStore;

    before(async () => {
      opened = await open();
      store = opened.stores[0]!;
    });
    after(() => opened.cleanup());

    it('putIfAbsent stores only when the key is not live, and says whether it did', async () => {
      const k = key();
      assert.equal(await store.putIfAbsent(k, 'first', MINUTE, Date.now()), true);
      assert.equal(await store.putIfAbsent(k, 'second', MINUTE, Date.now()), false);
      assert.equal(await store.get(k, Date.now()), 'first');
      assert.equal(await store.take(k, Date.now()), 'first');
      assert.equal(await store.putIfAbsent(k, 'third', MINUTE, Date.now()), true, 'a taken key is absent');
      assert.equal(await store.get(k, Date.now()), 'third');
    });

    it('put stores whether or not the key is live, replacing the value', async () => {
      const k = key();
      await store.put(k, 'first', MINUTE, Date.now());
      assert.equal(await store.get(k, Date.now()), 'first');
      await store.put(k, 'second', MINUTE, Date.now());
      assert.equal(await store.get(k, Date.now()), 'second');
    });

    it('get reads without removing; take gives the value once and removes it; unknown keys are undefined', async () => {
      const k = key();
      await store.put(k, 'code', MINUTE, Date.now());
      assert.equal(await store.get(k, Date.now()), 'code');
      assert.equal(await store.get(k, Date.now()), 'code');
      assert.equal(await store.take(k, Date.now()), 'code');
      assert.equal(await store.take(k, Date.now()), undefined);
      assert.equal(await store.get(k, Date.now()), undefined);
      assert.equal(await store.get(key(), Date.now()), undefined);
      assert.equal(await store.take(key(), Date.now()), undefined);
    });

    it('keeps values exactly, the empty string included', async () => {
      const values = ['', ' ', 'ünïcødé 😀', '{"a":[1,2],"b":"x\\ny"}\r\n', 'x'.repeat(10_000)];
      const keys = values.map(() => key());
      for (const [n, value] of values.entries()) await store.put(keys[n]!, value, MINUTE, Date.now());
      for (const [n, value] of values.entries()) assert.equal(await store.get(keys[n]!, Date.now()), value);
      for (const [n, value] of values.entries()) assert.equal(await store.take(keys[n]!, Date.now()), value);
      assert.equal(await store.putIfAbsent(keys[0]!, 'again', MINUTE, Date.now()), true);
      const empty = key();
      assert.equal(await store.putIfAbsent(empty, '', MINUTE, Date.now()), true);
      assert.equal(await store.putIfAbsent(empty, 'not empty', MINUTE, Date.now()), false, 'an empty value is a value');
    });

    it('forgets a key once its time to live has passed; put renews it, a refused putIfAbsent does not', async () => {
      const [expiring, taken, renewed, refused, lasting] = [key(), key(), key(), key(), key()];
      await store.putIfAbsent(expiring, 'nonce', SHORT_TTL, Date.now());
      await store.put(taken, 'code', SHORT_TTL, Date.now());
      await store.put(renewed, 'old', SHORT_TTL, Date.now());
      await store.put(renewed, 'new', MINUTE, Date.now());
      await store.putIfAbsent(refused, 'first', SHORT_TTL, Date.now());
      assert.equal(await store.putIfAbsent(refused, 'second', MINUTE, Date.now()), false);
      await store.put(lasting, 'still here', MINUTE, Date.now());

      await sleep(PAST_SHORT_TTL);
      assert.equal(await store.get(expiring, Date.now()), undefined);
      assert.equal(await store.take(taken, Date.now()), undefined);
      assert.equal(await store.get(renewed, Date.now()), 'new');
      assert.equal(await store.get(refused, Date.now()), undefined);
      assert.equal(await store.get(lasting, Date.now()), 'still here');
      assert.equal(await store.putIfAbsent(expiring, 'reused', MINUTE, Date.now()), true, 'an expired key is absent');
      assert.equal(await store.get(expiring, Date.now()), 'reused');
    });

    it('of 20 concurrent takers of one key, exactly one gets the value', async () => {
      const k = key();
      await store.put(k, 'authorization code', MINUTE, Date.now());
      const { stores } = opened;
      const taken = await Promise.all(Array.from({ length: 20 }, (_, n) => stores[n % stores.length]!.take(k, Date.now())));
      assert.deepEqual(taken.filter((v) => v !== undefined), ['authorization code']);
    });

    it('of 20 concurrent putIfAbsent calls for one key, exactly one stores its value', async () => {
      const k = key();
      const { stores } = opened;
      const stored = await Promise.all(
        Array.from({ length: 20 }, (_, n) => stores[n % stores.length]!.putIfAbsent(k, `value ${n}`, MINUTE, Date.now())),
      );
      assert.equal(stored.filter((ok) => ok).length, 1);
      for (const shared of stores) assert.equal(await shared.get(k, Date.now()), `value ${stored.indexOf(true)}`);
    });
  });
}
