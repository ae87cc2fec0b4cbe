import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { applyPatch, type MediaMetadata, type MetadataPatch } from '../../domain/metadata.js';
import type {
  AppRecord,
  MediaRecord,
  OAuth1Credentials,
  OAuth1TokenRecord,
  RefreshTokenRecord,
  SegmentRecord,
  SubtitleTrack,
  TokenRecord,
  UserRecord,
} from '../records.js';
import {
  json,
  toApp,
  toMedia,
  toOAuth1Token,
  toRefreshToken,
  toSegment,
  toToken,
  toUser,
  type AppRow,
  type MediaRow,
  type OAuth1TokenRow,
  type RefreshTokenRow,
  type SegmentRow,
  type TokenRow,
  type UserRow,
} from '../rows.js';
import { DuplicateKeyError, type AddSegmentOutcome, type FinalizeFacts, type Store } from '../store.js';
import { GroupCommitter } from './group-commit.js';
import { stringifyMetadata } from './metadata-json.js';
import { ExternalWriteGuard, ReadCache } from './read-cache.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

export const SQLITE_FILE = 'xmedia.sqlite';

/**
 * WAL pages after which a COMMIT also checkpoints (SQLite's default: 1,000, a 4 MB WAL). A checkpoint writes each
 * page the WAL holds once, however often it was rewritten, and fsyncs the database file, on the event loop; on a
 * large table the pages a checkpoint writes lie far apart. Four times fewer checkpoints took the 1,000,000-row
 * metadata writes from 0.93 to 0.95 × the 1,000-row ones and their p99 from 5 to 3 ms (docs/PERFORMANCE.md,
 * seventh pass). The WAL grows to ~16 MB.
 */
const WAL_CHECKPOINT_PAGES = 4000;

/**
 * A media item as the read cache keeps it: with the row's rowid, so that the hottest write (metadata) finds
 * its row through the table's B-tree alone; with 1,000,000 rows that saves a few µs of SQLite per write
 * (docs/PERFORMANCE.md, seventh pass).
 */
interface CachedMedia {
  readonly record: MediaRecord;
  readonly rowid: number;
}

interface RowId {
  rowid: number;
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a committed write survives
 * power loss. Reads run at once on the connection (tokens and media through read caches); writes go through
 * the group committer. Other processes (the CLI while the server runs) share the file safely; busy_timeout
 * makes them wait for each other, and the caches notice their writes (read-cache.ts).
 */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private readonly db: Db;
  private readonly writes: GroupCommitter;
  /** Read caches for the two lookups on every request; see read-cache.ts for why they are correct. */
  private readonly tokens: ReadCache<TokenRecord>;
  private readonly media: ReadCache<CachedMedia>;
  private readonly stmt: ReturnType<typeof prepareStatements>;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    this.stmt = prepareStatements(this.db);
    const guard = new ExternalWriteGuard(this.db);
    this.tokens = new ReadCache(guard, 10_000);
    this.media = new ReadCache(guard, 10_000);
    this.writes = new GroupCommitter(this.db, () => {
      this.tokens.clear();
      this.media.clear();
    });
  }

  static open(dataDir: string): SqliteStore {
    return new SqliteStore(path.join(dataDir, SQLITE_FILE));
  }

  /** Records handed out may be cached: callers treat them as immutable, like every record. */
  async getMedia(id: string): Promise<MediaRecord | undefined> {
    return this.media.get(id, this.loadMedia)?.record;
  }

  /** Always answers: a cache miss is a synchronous read (better-sqlite3), cached when found. */
  getMediaNow(id: string): MediaRecord | null {
    return this.media.get(id, this.loadMedia)?.record ?? null;
  }

  private readonly loadMedia = (id: string): CachedMedia | undefined => {
    const row = this.stmt.getMedia.get(id) as (MediaRow & RowId) | undefined;
    return row && { record: toMedia(row), rowid: row.rowid };
  };

  async getMediaMany(ids: readonly string[]): Promise<MediaRecord[]> {
    if (ids.length === 0) return [];
    const rows = this.stmt.getMediaMany.all(JSON.stringify(ids)) as MediaRow[];
    return rows.map(toMedia);
  }

  async findMediaIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return (this.stmt.findMediaIds.all(JSON.stringify(ids)) as { id: string }[]).map((r) => r.id);
  }

  insertMedia(media: MediaRecord, segments: readonly SegmentRecord[] = []): Promise<void> {
    return this.writes.write(() => {
      translateConstraint(() =>
        this.stmt.insertMedia.run({
          id: media.id,
          kind: media.kind,
          category: media.category,
          mime_type: media.mimeType,
          owner_id: media.ownerId,
          app_id: media.appId,
          additional_owners: JSON.stringify(media.additionalOwners),
          shared: media.shared ? 1 : 0,
          state: media.state,
          size: media.size,
          width: media.width,
          height: media.height,
          duration_ms: media.durationMs,
          created_at: media.createdAtMs,
          expires_at: media.expiresAtMs,
          processing_starts_at: media.processingStartsAtMs,
          ready_at: media.readyAtMs,
          processing_error: media.processingError,
          subtitles: JSON.stringify(media.subtitles),
          metadata: stringifyMetadata(media.metadata),
        }),
      );
      for (const segment of segments) this.insertSegment(media.id, segment);
      this.media.delete(media.id);
    });
  }

  async listSegments(mediaId: string): Promise<SegmentRecord[]> {
    return (this.stmt.listSegments.all(mediaId) as SegmentRow[]).map(toSegment);
  }

  addSegment(mediaId: string, segment: SegmentRecord, nowMs: number): Promise<AddSegmentOutcome> {
    return this.writes.write((): AddSegmentOutcome => {
      const session = this.stmt.getLiveMedia.get(mediaId, nowMs) as MediaRow | undefined;
      if (!session || session.state !== 'uploading') return { kind: 'not_uploading' };
      const existing = this.stmt.getSegment.get(mediaId, segment.index) as SegmentRow | undefined;
      if (existing) {
        return existing.sha256 === segment.sha256 && existing.size === segment.size ? { kind: 'duplicate' } : { kind: 'conflict' };
      }
      const { bytes } = this.stmt.segmentTotals.get(mediaId) as { count: number; bytes: number };
      if (bytes + segment.size > session.size) return { kind: 'over_total', receivedBytes: bytes };
      this.insertSegment(mediaId, segment);
      return { kind: 'added' };
    });
  }

  finalizeMedia(
    mediaId: string,
    expected: { segmentCount: number; totalBytes: number },
    facts: FinalizeFacts,
    nowMs: number,
  ): Promise<MediaRecord | undefined> {
    return this.writes.write(() => {
      const session = this.stmt.getLiveMedia.get(mediaId, nowMs) as MediaRow | undefined;
      if (!session || session.state !== 'uploading') return undefined;
      const totals = this.stmt.segmentTotals.get(mediaId) as { count: number; bytes: number };
      if (totals.count !== expected.segmentCount || totals.bytes !== expected.totalBytes) return undefined;
      this.stmt.finalizeMedia.run({
        id: mediaId,
        state: facts.state,
        mime_type: facts.mimeType,
        width: facts.width,
        height: facts.height,
        duration_ms: facts.durationMs,
        processing_starts_at: facts.processingStartsAtMs,
        ready_at: facts.readyAtMs,
        processing_error: facts.processingError,
      });
      const finalized = this.loadMedia(mediaId)!;
      this.media.set(mediaId, finalized);
      return finalized.record;
    });
  }

  putSubtitleTrack(mediaId: string, track: SubtitleTrack, nowMs: number): Promise<SubtitleTrack[] | undefined> {
    return this.writes.write(() => {
      const row = this.stmt.getLiveMedia.get(mediaId, nowMs) as MediaRow | undefined;
      if (!row) return undefined;
      const tracks = json(row.subtitles).filter((t) => t.languageCode !== track.languageCode);
      tracks.push(track);
      this.stmt.setSubtitles.run(JSON.stringify(tracks), mediaId);
      this.media.delete(mediaId);
      return tracks;
    });
  }

  deleteSubtitleTrack(mediaId: string, languageCode: string, nowMs: number): Promise<boolean | undefined> {
    return this.writes.write(() => {
      const row = this.stmt.getLiveMedia.get(mediaId, nowMs) as MediaRow | undefined;
      if (!row) return undefined;
      const tracks = json(row.subtitles);
      const kept = tracks.filter((t) => t.languageCode !== languageCode);
      if (kept.length === tracks.length) return false;
      this.stmt.setSubtitles.run(JSON.stringify(kept), mediaId);
      this.media.delete(mediaId);
      return true;
    });
  }

  collectExpiredMedia(nowMs: number, limit: number): Promise<string[]> {
    return this.writes.write(() => {
      this.stmt.markExpiredAsGarbage.run(nowMs, nowMs, limit);
      this.stmt.deleteGarbageMedia.run();
      const garbage = (this.stmt.listGarbage.all(limit) as { media_id: string }[]).map((r) => r.media_id);
      for (const id of garbage) this.media.delete(id);
      return garbage;
    });
  }

  forgetBlobGarbage(mediaIds: readonly string[]): Promise<void> {
    return this.writes.write(() => {
      this.stmt.forgetGarbage.run(JSON.stringify(mediaIds));
    });
  }

  private insertSegment(mediaId: string, segment: SegmentRecord): void {
    this.stmt.insertSegment.run(mediaId, segment.index, segment.blobKey, segment.size, segment.sha256);
  }

  updateMetadata(id: string, patch: MetadataPatch, nowMs: number): Promise<MediaMetadata | undefined> {
    return this.writes.write(() => {
      const cached = this.media.peek(id);
      let current: MediaMetadata;
      let rowid: number;
      if (cached) {
        if (cached.record.expiresAtMs <= nowMs) return undefined;
        current = cached.record.metadata;
        rowid = cached.rowid;
      } else {
        const row = this.stmt.getMetadata.get(id, nowMs) as ({ metadata: string } & RowId) | undefined;
        if (!row) return undefined;
        current = JSON.parse(row.metadata) as MediaMetadata;
        rowid = row.rowid;
      }
      const next = applyPatch(current, patch);
      const stored = stringifyMetadata(next);
      if (this.stmt.setMetadata.run(stored, rowid, id).changes === 0 && this.stmt.setMetadataById.run(stored, id).changes === 0) {
        this.media.delete(id);
        return undefined;
      }
      // Updated now, inside the batch: a later write to the same media in this batch builds on it. In place:
      // the batch runs synchronously, so no request sees the change before its COMMIT, and a batch that fails
      // empties the cache (onRollback). A copy of the record per write cost ~9 % of the write's CPU
      // (docs/PERFORMANCE.md, sixth pass).
      if (cached) cached.record.metadata = next;
      return next;
    }, true);
  }

  async findToken(hash: string): Promise<TokenRecord | undefined> {
    return this.findTokenNow(hash) ?? undefined;
  }

  /** Always answers: a cache miss is a synchronous read (better-sqlite3), cached when found. */
  findTokenNow(hash: string): TokenRecord | null {
    return this.tokens.get(hash, this.loadToken) ?? null;
  }

  private readonly loadToken = (hash: string): TokenRecord | undefined => {
    const row = this.stmt.findToken.get(hash) as TokenRow | undefined;
    return row && toToken(row);
  };

  async findUserByName(username: string): Promise<UserRecord | undefined> {
    const row = this.stmt.findUserByName.get(username) as UserRow | undefined;
    return row && toUser(row);
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const row = this.stmt.findUserById.get(id) as UserRow | undefined;
    return row && toUser(row);
  }

  async findAppByName(name: string): Promise<AppRecord | undefined> {
    const row = this.stmt.findAppByName.get(name) as AppRow | undefined;
    return row && toApp(row);
  }

  async findAppByClientId(clientId: string): Promise<AppRecord | undefined> {
    const row = this.stmt.findAppByClientId.get(clientId) as AppRow | undefined;
    return row && toApp(row);
  }

  async findAppByConsumerKey(consumerKey: string): Promise<AppRecord | undefined> {
    const row = this.stmt.findAppByConsumerKey.get(consumerKey) as AppRow | undefined;
    return row && toApp(row);
  }

  async countUsers(): Promise<number> {
    return (this.stmt.countUsers.get() as { n: number }).n;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (this.stmt.listUsers.all() as UserRow[]).map(toUser);
  }

  async listApps(): Promise<AppRecord[]> {
    return (this.stmt.listApps.all() as AppRow[]).map(toApp);
  }

  async listTokens(filter: { userId?: string }): Promise<TokenRecord[]> {
    return (this.stmt.listTokens.all({ user: filter.userId ?? null }) as TokenRow[]).map(toToken);
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined> {
    const row = this.stmt.findRefreshToken.get(hash) as RefreshTokenRow | undefined;
    return row && toRefreshToken(row);
  }

  async findOAuth1Credentials(consumerKey: string, token: string): Promise<OAuth1Credentials | undefined> {
    const row = this.stmt.findOAuth1Credentials.get(token, consumerKey) as
      | { app_id: string; user_id: string; consumer_secret_sealed: string; secret_sealed: string }
      | undefined;
    return (
      row && {
        appId: row.app_id,
        userId: row.user_id,
        consumerSecretSealed: row.consumer_secret_sealed,
        tokenSecretSealed: row.secret_sealed,
      }
    );
  }

  async listOAuth1Tokens(filter: { userId?: string }): Promise<OAuth1TokenRecord[]> {
    return (this.stmt.listOAuth1Tokens.all({ user: filter.userId ?? null }) as OAuth1TokenRow[]).map(toOAuth1Token);
  }

  insertUser(user: UserRecord): Promise<void> {
    return this.writes.write(() => {
      translateConstraint(() =>
        this.stmt.insertUser.run(user.id, user.username, user.passwordHash, user.createdAtMs),
      );
    });
  }

  insertApp(app: AppRecord): Promise<void> {
    return this.writes.write(() => {
      translateConstraint(() =>
        this.stmt.insertApp.run(
          app.id,
          app.name,
          app.clientId,
          app.clientSecretHash,
          JSON.stringify(app.callbackUrls),
          app.consumerKey,
          app.consumerSecretSealed,
          app.createdAtMs,
        ),
      );
    });
  }

  deleteUser(id: string): Promise<boolean> {
    return this.writes.write(() => {
      this.tokens.clear(); // the user's tokens go with them
      return this.stmt.deleteUser.run(id).changes > 0;
    });
  }

  deleteApp(id: string): Promise<boolean> {
    return this.writes.write(() => {
      this.tokens.clear(); // the app's tokens go with it
      return this.stmt.deleteApp.run(id).changes > 0;
    });
  }

  insertToken(token: TokenRecord): Promise<void> {
    return this.writes.write(() => this.runInsertToken(token));
  }

  revokeToken(hash: string, nowMs: number): Promise<boolean> {
    return this.writes.write(() => {
      this.tokens.delete(hash);
      return this.stmt.revokeToken.run(nowMs, hash).changes > 0;
    });
  }

  insertGrant(access: TokenRecord, refresh: RefreshTokenRecord | null): Promise<void> {
    return this.writes.write(() => {
      this.runInsertToken(access);
      if (refresh) this.runInsertRefreshToken(refresh);
    });
  }

  rotateRefreshToken(oldHash: string, access: TokenRecord, refresh: RefreshTokenRecord, nowMs: number): Promise<boolean> {
    return this.writes.write(() => {
      // Writes run one at a time on this connection, so "mark used if live" cannot interleave with another use.
      if (this.stmt.markRefreshTokenUsed.run(nowMs, oldHash).changes === 0) {
        const old = this.stmt.findRefreshToken.get(oldHash) as RefreshTokenRow | undefined;
        if (old) this.runRevokeFamily(old.family_id, nowMs);
        return false;
      }
      this.runInsertToken(access);
      this.runInsertRefreshToken(refresh);
      return true;
    });
  }

  revokeFamily(familyId: string, nowMs: number): Promise<number> {
    return this.writes.write(() => this.runRevokeFamily(familyId, nowMs));
  }

  insertOAuth1Token(token: OAuth1TokenRecord): Promise<void> {
    return this.writes.write(() => {
      translateConstraint(() =>
        this.stmt.insertOAuth1Token.run(
          token.token,
          token.secretSealed,
          token.appId,
          token.userId,
          token.createdAtMs,
          token.revokedAtMs,
        ),
      );
    });
  }

  revokeOAuth1Token(token: string, nowMs: number): Promise<boolean> {
    return this.writes.write(() => this.stmt.revokeOAuth1Token.run(nowMs, token).changes > 0);
  }

  private runInsertToken(token: TokenRecord): void {
    translateConstraint(() =>
      this.stmt.insertToken.run(
        token.hash,
        token.kind,
        token.appId,
        token.userId,
        token.scopes.join(' '),
        token.createdAtMs,
        token.expiresAtMs,
        token.revokedAtMs,
        token.familyId,
      ),
    );
  }

  private runInsertRefreshToken(token: RefreshTokenRecord): void {
    translateConstraint(() =>
      this.stmt.insertRefreshToken.run(
        token.hash,
        token.familyId,
        token.appId,
        token.userId,
        token.scopes.join(' '),
        token.createdAtMs,
        token.expiresAtMs,
        token.usedAtMs,
        token.revokedAtMs,
      ),
    );
  }

  private runRevokeFamily(familyId: string, nowMs: number): number {
    this.tokens.clear(); // which cached tokens belong to the family is not known here
    return (
      this.stmt.revokeFamilyTokens.run(nowMs, familyId).changes +
      this.stmt.revokeFamilyRefreshTokens.run(nowMs, familyId).changes
    );
  }

  async schemaVersion(): Promise<number> {
    return (this.db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  }

  async ping(): Promise<void> {
    this.stmt.ping.get();
  }

  async close(): Promise<void> {
    this.writes.flush();
    this.db.close();
  }
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  for (const migration of [...SQLITE_MIGRATIONS].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    // IMMEDIATE: two processes starting at once must not both apply the same migration.
    db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (again) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    }).immediate();
  }
}

function prepareStatements(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    getMedia: p('SELECT rowid, * FROM media WHERE id = ?'),
    getMediaMany: p('SELECT * FROM media WHERE id IN (SELECT value FROM json_each(?))'),
    findMediaIds: p('SELECT id FROM media WHERE id IN (SELECT value FROM json_each(?))'),
    getMetadata: p('SELECT rowid, metadata FROM media WHERE id = ? AND expires_at > ?'),
    // By rowid: one descent of the table's B-tree instead of the id index's and then the table's. `id = ?`
    // guards against a rowid that no longer holds this media item (the row is read anyway to be updated); the
    // update by id is the fallback then (another process's VACUUM can renumber rows).
    setMetadata: p('UPDATE media SET metadata = ? WHERE rowid = ? AND id = ?'),
    setMetadataById: p('UPDATE media SET metadata = ? WHERE id = ?'),
    insertMedia: p(`INSERT INTO media (id, kind, category, mime_type, owner_id, app_id, additional_owners, shared, state,
        size, width, height, duration_ms, created_at, expires_at, processing_starts_at, ready_at, processing_error,
        subtitles, metadata)
      VALUES (@id, @kind, @category, @mime_type, @owner_id, @app_id, @additional_owners, @shared, @state,
        @size, @width, @height, @duration_ms, @created_at, @expires_at, @processing_starts_at, @ready_at, @processing_error,
        @subtitles, @metadata)`),
    getLiveMedia: p('SELECT * FROM media WHERE id = ? AND expires_at > ?'),
    finalizeMedia: p(`UPDATE media SET state = @state, mime_type = @mime_type, width = @width, height = @height,
        duration_ms = @duration_ms, processing_starts_at = @processing_starts_at, ready_at = @ready_at,
        processing_error = @processing_error
      WHERE id = @id`),
    setSubtitles: p('UPDATE media SET subtitles = ? WHERE id = ?'),
    listSegments: p('SELECT segment_index, blob_key, size, sha256 FROM media_segments WHERE media_id = ? ORDER BY segment_index'),
    getSegment: p('SELECT segment_index, blob_key, size, sha256 FROM media_segments WHERE media_id = ? AND segment_index = ?'),
    segmentTotals: p('SELECT count(*) AS count, coalesce(sum(size), 0) AS bytes FROM media_segments WHERE media_id = ?'),
    insertSegment: p('INSERT INTO media_segments (media_id, segment_index, blob_key, size, sha256) VALUES (?, ?, ?, ?, ?)'),
    markExpiredAsGarbage: p(`INSERT INTO blob_garbage (media_id, since)
      SELECT id, ? FROM media WHERE expires_at <= ? ORDER BY expires_at LIMIT ?
      ON CONFLICT (media_id) DO NOTHING`),
    deleteGarbageMedia: p('DELETE FROM media WHERE id IN (SELECT media_id FROM blob_garbage)'),
    listGarbage: p('SELECT media_id FROM blob_garbage ORDER BY since LIMIT ?'),
    forgetGarbage: p('DELETE FROM blob_garbage WHERE media_id IN (SELECT value FROM json_each(?))'),
    findToken: p('SELECT * FROM tokens WHERE hash = ?'),
    findUserByName: p('SELECT * FROM users WHERE username = ?'),
    findUserById: p('SELECT * FROM users WHERE id = ?'),
    findAppByName: p('SELECT * FROM apps WHERE name = ?'),
    findAppByClientId: p('SELECT * FROM apps WHERE client_id = ?'),
    findAppByConsumerKey: p('SELECT * FROM apps WHERE consumer_key = ?'),
    countUsers: p('SELECT count(*) AS n FROM users'),
    listUsers: p('SELECT * FROM users ORDER BY created_at, id'),
    listApps: p('SELECT * FROM apps ORDER BY created_at, id'),
    listTokens: p('SELECT * FROM tokens WHERE @user IS NULL OR user_id = @user ORDER BY created_at DESC'),
    insertUser: p('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)'),
    insertApp: p(`INSERT INTO apps (id, name, client_id, client_secret_hash, callback_urls, consumer_key, consumer_secret_sealed,
        created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteUser: p('DELETE FROM users WHERE id = ?'),
    deleteApp: p('DELETE FROM apps WHERE id = ?'),
    insertToken: p(`INSERT INTO tokens (hash, kind, app_id, user_id, scopes, created_at, expires_at, revoked_at, family_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    revokeToken: p('UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL'),
    findRefreshToken: p('SELECT * FROM refresh_tokens WHERE hash = ?'),
    insertRefreshToken: p(`INSERT INTO refresh_tokens (hash, family_id, app_id, user_id, scopes, created_at, expires_at, used_at,
        revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    markRefreshTokenUsed: p('UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL'),
    revokeFamilyTokens: p('UPDATE tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL'),
    revokeFamilyRefreshTokens: p('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL'),
    findOAuth1Credentials: p(`SELECT t.app_id, t.user_id, t.secret_sealed, a.consumer_secret_sealed
      FROM oauth1_tokens t JOIN apps a ON a.id = t.app_id
      WHERE t.token = ? AND t.revoked_at IS NULL AND a.consumer_key = ? AND a.consumer_secret_sealed IS NOT NULL`),
    listOAuth1Tokens: p('SELECT * FROM oauth1_tokens WHERE @user IS NULL OR user_id = @user ORDER BY created_at DESC'),
    insertOAuth1Token: p(
      'INSERT INTO oauth1_tokens (token, secret_sealed, app_id, user_id, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    revokeOAuth1Token: p('UPDATE oauth1_tokens SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL'),
    ping: p('SELECT 1'),
  };
}

function translateConstraint<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new DuplicateKeyError((error as Error).message);
    }
    throw error;
  }
}
