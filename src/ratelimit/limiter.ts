/**
 * Fixed-window counters: a window is [k·length, (k+1)·length) of Unix time, so every instance (and Redis)
 * agrees on where windows start and `reset` needs no stored state.
 */
export interface WindowSpec {
  readonly key: string;
  readonly limit: number;
  readonly windowSecs: number;
}

export interface WindowState {
  readonly limit: number;
  /** Never negative. */
  readonly remaining: number;
  /** Unix epoch seconds at which the window ends. */
  readonly resetSec: number;
  /** False when this hit went over the limit. */
  readonly allowed: boolean;
}

/**
 * Where counters live: this process's memory by default, Redis when instances share limits. Contract for
 * every implementation: one `hit` is ONE atomic operation for all the windows of one request (Redis: one Lua
 * script doing INCR + EXPIRE per key), counts the request in every window whether or not it is admitted,
 * and reports the counts as they were right after this request's increments. So N concurrent requests
 * against a limit of L see counts 1..N and exactly L of them are admitted, on any number of instances.
 */
export interface RateLimitStore {
  hit(windows: readonly WindowSpec[], nowMs: number): Promise<WindowState[]>;
  /**
   * Optional, for stores that can count without I/O (process memory): `hit`, done at once; undefined when
   * only `hit` can do it. Lets the request guard run without a promise per request.
   */
  hitNow?(windows: readonly WindowSpec[], nowMs: number): WindowState[] | undefined;
  /** Reports each window's state without counting anything (`allowed`: would one more hit be admitted). */
  peek(windows: readonly WindowSpec[], nowMs: number): Promise<WindowState[]>;
}

export function windowBounds(windowSecs: number, nowMs: number): { index: number; resetSec: number } {
  const index = Math.floor(nowMs / 1000 / windowSecs);
  return { index, resetSec: (index + 1) * windowSecs };
}

/** Counters in this process's memory: the embedded default, exact because JavaScript runs one hit at a time. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, { index: number; count: number; resetSec: number }>();
  private nextSweepMs = 0;

  async hit(windows: readonly WindowSpec[], nowMs: number): Promise<WindowState[]> {
    return this.hitNow(windows, nowMs);
  }

  hitNow(windows: readonly WindowSpec[], nowMs: number): WindowState[] {
    if (nowMs >= this.nextSweepMs) this.sweep(nowMs);
    const states: WindowState[] = [];
    for (const w of windows) {
      const index = Math.floor(nowMs / 1000 / w.windowSecs);
      const mapKey = this.counterKey(w);
      let counter = this.counters.get(mapKey);
      if (!counter || counter.index !== index) {
        counter = { index, count: 0, resetSec: (index + 1) * w.windowSecs };
        this.counters.set(mapKey, counter);
      }
      counter.count += 1;
      states.push({
        limit: w.limit,
        remaining: Math.max(0, w.limit - counter.count),
        resetSec: counter.resetSec,
        allowed: counter.count <= w.limit,
      });
    }
    return states;
  }

  async peek(windows: readonly WindowSpec[], nowMs: number): Promise<WindowState[]> {
    return windows.map((w) => {
      const { index, resetSec } = windowBounds(w.windowSecs, nowMs);
      const counter = this.counters.get(this.counterKey(w));
      const count = counter && counter.index === index ? counter.count : 0;
      return { limit: w.limit, remaining: Math.max(0, w.limit - count), resetSec, allowed: count < w.limit };
    });
  }

  /**
   * The counter's key for a window. Callers keep their window specs (one set per caller and endpoint), so the
   * key is built once per spec rather than per request.
   */
  private counterKey(window: WindowSpec): string {
    let key = this.keys.get(window);
    if (key === undefined) {
      key = `${window.key}:${window.windowSecs}`;
      this.keys.set(window, key);
    }
    return key;
  }

  private readonly keys = new WeakMap<WindowSpec, string>();

  /** Drops finished windows so memory follows active callers, not every caller ever seen. */
  private sweep(nowMs: number): void {
    const nowSec = nowMs / 1000;
    for (const [key, counter] of this.counters) if (counter.resetSec <= nowSec) this.counters.delete(key);
    this.nextSweepMs = nowMs + 60_000;
  }
}
