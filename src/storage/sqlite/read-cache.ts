import type { Database, Statement } from 'better-sqlite3';

/**
 * Rows this process reads on every request (bearer tokens, media items), kept in memory because reading a
 * row through better-sqlite3 costs 10-20 µs here, several times what the cache costs. Correct because:
 * - every write this process makes goes through the store, which updates or drops the cached entry after
 *   its commit (see SqliteStore);
 * - any write another process makes (the `xmedia` CLI revoking a token, say) changes SQLite's
 *   `PRAGMA data_version`, checked at most once a millisecond: a change empties the cache.
 * Entries are evicted oldest first beyond `maxEntries`; misses are never cached, so unknown keys cost memory
 * to nobody.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(
    private readonly guard: ExternalWriteGuard,
    private readonly maxEntries: number,
  ) {
    guard.onExternalWrite(() => this.entries.clear());
  }

  /** The cached value, or what `load(key)` finds (cached when found). */
  get(key: string, load: (key: string) => V | undefined): V | undefined {
    this.guard.check();
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = load(key);
    if (value !== undefined) this.set(key, value);
    return value;
  }

  /** The cached value without loading; for writers that update what they find. */
  peek(key: string): V | undefined {
    this.guard.check();
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Tells caches when another process has written to the database: SQLite's `data_version` changes exactly
 * when another connection commits (this connection's own commits leave it alone). Asking costs ~2 µs, as much
 * as the rest of a cached lookup, so it is asked at most once per millisecond of the clock: another process's
 * write (the CLI revoking a token, say) is seen by every request that starts a millisecond after its commit.
 */
export class ExternalWriteGuard {
  private readonly dataVersion: Statement;
  private version: number;
  private checkedAtMs = 0;
  private readonly listeners: (() => void)[] = [];

  constructor(db: Database) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.version = this.dataVersion.get() as number;
  }

  onExternalWrite(listener: () => void): void {
    this.listeners.push(listener);
  }

  check(): void {
    const now = Date.now();
    if (now === this.checkedAtMs) return;
    this.checkedAtMs = now;
    const version = this.dataVersion.get() as number;
    if (version === this.version) return;
    this.version = version;
    for (const listener of this.listeners) listener();
  }
}
