/**
 * Short-lived shared state that must not live in one instance's memory once several instances serve
 * together: OAuth 2.0 authorization codes (30 s), OAuth 1.0a nonces (minutes) and markers of used codes.
 * Every operation is a single atomic step, so a Redis implementation maps one-to-one
 * (SET NX PX, GETDEL, SET PX, GET). Values are strings; callers serialize.
 */
export interface EphemeralStore {
  /** Stores `value` under `key` for `ttlMs` unless the key is live; resolves true when it was stored. */
  putIfAbsent(key: string, value: string, ttlMs: number, nowMs: number): Promise<boolean>;
  /** Stores `value` under `key` for `ttlMs`, replacing whatever was there. */
  put(key: string, value: string, ttlMs: number, nowMs: number): Promise<void>;
  get(key: string, nowMs: number): Promise<string | undefined>;
  /** Returns the live value and deletes it, atomically: of concurrent takers of one key, one gets it. */
  take(key: string, nowMs: number): Promise<string | undefined>;
}

/**
 * The embedded default: a map in this process, enough for one instance (codes and nonces need to outlive
 * nothing but their own few minutes, not a restart). Exact under concurrency because each call runs
 * to completion on the event loop.
 */
export class MemoryEphemeralStore implements EphemeralStore {
  private readonly entries = new Map<string, { value: string; expiresAtMs: number }>();
  private nextSweepMs = 0;

  async putIfAbsent(key: string, value: string, ttlMs: number, nowMs: number): Promise<boolean> {
    if (this.live(key, nowMs) !== undefined) return false;
    this.set(key, value, ttlMs, nowMs);
    return true;
  }

  async put(key: string, value: string, ttlMs: number, nowMs: number): Promise<void> {
    this.set(key, value, ttlMs, nowMs);
  }

  async get(key: string, nowMs: number): Promise<string | undefined> {
    return this.live(key, nowMs);
  }

  async take(key: string, nowMs: number): Promise<string | undefined> {
    const value = this.live(key, nowMs);
    this.entries.delete(key);
    return value;
  }

  private live(key: string, nowMs: number): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  private set(key: string, value: string, ttlMs: number, nowMs: number): void {
    if (nowMs >= this.nextSweepMs) this.sweep(nowMs);
    this.entries.set(key, { value, expiresAtMs: nowMs + ttlMs });
  }

  /** Drops expired entries so memory follows what is live (nonces nobody looks up again, for instance). */
  private sweep(nowMs: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= nowMs) this.entries.delete(key);
    this.nextSweepMs = nowMs + 30_000;
  }
}
