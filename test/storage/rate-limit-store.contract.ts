import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RateLimitStore, WindowSpec, WindowState } from '../../src/ratelimit/limiter.js';

export interface OpenedRateLimitStores {
  /** Instances sharing one set of counters: one for an in-process store, several (own connections) for Redis. */
  stores: readonly RateLimitStore[];
  cleanup(): Promise<void>;
}

const MINUTES_15 = 900;
const DAY = 86_400;

function key(): string {
  return `k-${randomBytes(6).toString('hex')}`;
}

/**
 * A moment in the middle of the window `ahead` windows after the one holding the present. Redis expires a
 * window's key at the window's end on its own clock, so windows must end well after the test does; moments
 * in the future keep them alive whatever the present's position in its window.
 */
function midWindow(windowSecs: number, ahead = 1): number {
  const index = Math.floor(Date.now() / 1000 / windowSecs) + ahead;
  return (index * windowSecs + windowSecs / 2) * 1000;
}

function endOfWindow(windowSecs: number, nowMs: number): number {
  return (Math.floor(nowMs / 1000 / windowSecs) + 1) * windowSecs;
}

/** The state the contract promises after the `count`-th hit of a window (`count` 0: nothing counted yet, for peek). */
function afterHits(window: WindowSpec, count: number, nowMs: number, admitted: boolean): WindowState {
  return { limit: window.limit, remaining: Math.max(0, window.limit - count), resetSec: endOfWindow(window.windowSecs, nowMs), allowed: admitted };
}

/** What every RateLimitStore must do (src/ratelimit/limiter.ts), against the interface only. */
export function runRateLimitStoreContract(name: string, open: () => Promise<OpenedRateLimitStores>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    let opened: OpenedRateLimitStores;
    let store: RateLimitStore;

    before(async () => {
      opened = await open();
      store = opened.stores[0]!;
    });
    after(() => opened.cleanup());

    it('counts every hit in every window of it, admitted or not; remaining never goes below zero', async () => {
      const windows: WindowSpec[] = [
        { key: key(), limit: 3, windowSecs: MINUTES_15 },
        { key: key(), limit: 5, windowSecs: DAY },
      ];
      const nowMs = midWindow(MINUTES_15);
      for (let count = 1; count <= 7; count++) {
        assert.deepEqual(
          await store.hit(windows, nowMs),
          windows.map((w) => afterHits(w, count, nowMs, count <= w.limit)),
          `hit ${count}`,
        );
      }
    });

    it('counts hitNow, where it has it, as hit counts, in the same counters', async () => {
      if (!store.hitNow) return; // optional: stores that need I/O leave it out
      const windows: WindowSpec[] = [
        { key: key(), limit: 2, windowSecs: MINUTES_15 },
        { key: key(), limit: 3, windowSecs: DAY },
      ];
      const nowMs = midWindow(MINUTES_15);
      for (let count = 1; count <= 4; count++) {
        const counted: WindowState[] | undefined = count % 2 === 0 ? store.hitNow(windows, nowMs) : await store.hit(windows, nowMs);
        assert.deepEqual(counted, windows.map((w) => afterHits(w, count, nowMs, count <= w.limit)), `hit ${count}`);
      }
    });

    it('peek counts nothing and tells whether one more hit would be admitted', async () => {
      const windows: WindowSpec[] = [
        { key: key(), limit: 3, windowSecs: MINUTES_15 },
        { key: key(), limit: 2, windowSecs: MINUTES_15 },
      ];
      const nowMs = midWindow(MINUTES_15);
      const peekAfter = (count: number) => windows.map((w) => afterHits(w, count, nowMs, count < w.limit));
      assert.deepEqual(await store.peek(windows, nowMs), peekAfter(0));
      assert.deepEqual(await store.peek(windows, nowMs), peekAfter(0));
      await store.hit(windows, nowMs);
      assert.deepEqual(await store.peek(windows, nowMs), peekAfter(1));
      assert.deepEqual(await store.peek(windows, nowMs), peekAfter(1));
      assert.deepEqual(await store.hit(windows, nowMs), windows.map((w) => afterHits(w, 2, nowMs, 2 <= w.limit)), 'peeks counted nothing');
      assert.deepEqual(await store.peek(windows, nowMs), peekAfter(2), 'the second window is full: one more would not be admitted');
      await store.hit(windows, nowMs);
      await store.hit(windows, nowMs);
      assert.deepEqual(await store.peek(windows, nowMs), peekAfter(4), 'over the limit: remaining 0, not negative');
    });

    it('resets at the end of the fixed window holding nowMs, in Unix seconds; window starts belong to their window', async () => {
      for (const windowSecs of [1, MINUTES_15, DAY]) {
        const window: WindowSpec = { key: key(), limit: 10, windowSecs };
        const startMs = (Math.floor(Date.now() / 1000 / windowSecs) + 5) * windowSecs * 1000;
        const resetSec = startMs / 1000 + windowSecs;
        assert.deepEqual(await store.peek([window], startMs), [{ limit: 10, remaining: 10, resetSec, allowed: true }]);
        assert.deepEqual(await store.hit([window], startMs), [{ limit: 10, remaining: 9, resetSec, allowed: true }]);
        assert.deepEqual(await store.hit([window], startMs + windowSecs * 1000 - 1), [{ limit: 10, remaining: 8, resetSec, allowed: true }]);
        assert.deepEqual(await store.peek([window], startMs + 1), [{ limit: 10, remaining: 8, resetSec, allowed: true }]);
      }
    });

    it('starts a later window from zero', async () => {
      const window: WindowSpec = { key: key(), limit: 2, windowSecs: MINUTES_15 };
      const nowMs = midWindow(MINUTES_15);
      for (let count = 1; count <= 3; count++) await store.hit([window], nowMs);
      assert.deepEqual(await store.hit([window], nowMs), [afterHits(window, 4, nowMs, false)]);
      const laterMs = nowMs + MINUTES_15 * 1000;
      assert.deepEqual(await store.peek([window], laterMs), [afterHits(window, 0, laterMs, true)]);
      assert.deepEqual(await store.hit([window], laterMs), [afterHits(window, 1, laterMs, true)]);
      assert.equal((await store.hit([window], laterMs))[0]!.resetSec, endOfWindow(MINUTES_15, nowMs) + MINUTES_15);
    });

    it('counts keys apart, and one key in windows of different lengths apart', async () => {
      const shared = key();
      const short: WindowSpec = { key: shared, limit: 5, windowSecs: MINUTES_15 };
      const long: WindowSpec = { key: shared, limit: 5, windowSecs: DAY };
      const other: WindowSpec = { key: key(), limit: 5, windowSecs: MINUTES_15 };
      const nowMs = midWindow(MINUTES_15);
      await store.hit([short], nowMs);
      await store.hit([short], nowMs);
      await store.hit([long], nowMs);
      assert.deepEqual(
        (await store.peek([short, long, other], nowMs)).map((s) => s.remaining),
        [3, 4, 5],
      );
    });

    it('of 50 concurrent hits against a limit of 10, admits exactly 10, each window counting each hit once', async () => {
      const windows: WindowSpec[] = [
        { key: key(), limit: 10, windowSecs: MINUTES_15 },
        { key: key(), limit: 100, windowSecs: DAY },
      ];
      const nowMs = midWindow(MINUTES_15);
      const { stores } = opened;
      const results = await Promise.all(Array.from({ length: 50 }, (_, n) => stores[n % stores.length]!.hit(windows, nowMs)));
      const [tight, loose] = [results.map((r) => r[0]!), results.map((r) => r[1]!)];
      assert.equal(tight.filter((s) => s.allowed).length, 10);
      assert.deepEqual(
        tight.filter((s) => s.allowed).map((s) => s.remaining).sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        'the admitted hits saw counts 1..10, once each',
      );
      assert.ok(tight.every((s) => s.remaining >= 0 && (s.allowed || s.remaining === 0)));
      assert.deepEqual(
        loose.map((s) => s.remaining).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, n) => 50 + n),
        'every hit counted once in the second window',
      );
      // One hit increments all its windows at once: a hit seeing count c in the first window sees c in the second.
      for (const [tightState, looseState] of results as [WindowState, WindowState][]) {
        if (tightState.remaining > 0) assert.equal(looseState.remaining, 90 + tightState.remaining);
      }
      for (const shared of stores) {
        assert.deepEqual(
          (await shared.peek(windows, nowMs)).map((s) => [s.remaining, s.allowed]),
          [[0, false], [50, true]],
          'every instance sees all 50 hits',
        );
      }
    });

    it('answers no windows with no states', async () => {
      assert.deepEqual(await store.hit([], Date.now()), []);
      assert.deepEqual(await store.peek([], Date.now()), []);
    });
  });
}
