import { createHash } from 'node:crypto';
import pg from 'pg';
import type { MediaMetadata, MetadataPatch } from '../../domain/metadata.js';
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
  type SegmentRow,
  type TokenRow,
  type UserRow,
} from '../rows.js';
import { DuplicateKeyError, type AddSegmentOutcome, type FinalizeFacts, type Store } from '../store.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

/** Any value that identifies xmedia's migration lock among PostgreSQL advisory locks. */
const MIGRATION_LOCK_ID = 0x786d65646961; // "xmedia"

/** BIGINT columns hold epoch milliseconds and byte counts, all far below 2^53: read them as numbers. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PostgresStoreOptions {
  readonly connectionString: string;
  readonly poolSize?: number;
}

/**
 * The scale-out store: PostgreSQL through a connection pool, shared by every instance. Each transactor is one
 * statement or one transaction; PostgreSQL's default synchronous_commit makes every acknowledged write durable.
 */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and brings the schema up to date (safe when several instances start at once). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10, types });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const store = new PostgresStore(pool);
    try {
      await store.migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async migrate(): Promise<number[]> {
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      const ran: number[] = [];
      for (const migration of [...POSTGRES_MIGRATIONS].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        ran.push(migration.version);
      }
      return ran;
    });
  }

  async getMedia(id: string): Promise<MediaRecord | undefined> {
    const { rows } = await this.pool.query<MediaRow>({ name: 'get-media', text: 'SELECT * FROM media WHERE id = $1', values: [id] });
    return rows[0] && toMedia(rows[0]);
  }

  async getMediaMany(ids: readonly string[]): Promise<MediaRecord[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<MediaRow>({
      name: 'get-media-many',
      text: 'SELECT * FROM media WHERE id = ANY($1::text[])',
      values: [ids],
    });
    return rows.map(toMedia);
  }

  async findMediaIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<{ id: string }>({
      name: 'find-media-ids',
      text: 'SELECT id FROM media WHERE id = ANY($1::text[])',
      values: [ids],
    });
    return rows.map((r) => r.id);
  }

  async insertMedia(media: MediaRecord, segments: readonly SegmentRecord[] = []): Promise<void> {
    const insert = (db: Queryable) =>
      translateConstraint(
        db.query({
          name: 'insert-media',
          text: `INSERT INTO media (id, kind, category, mime_type, owner_id, app_id, additional_owners, shared, state,
              size, width, height, duration_ms, created_at, expires_at, processing_starts_at, ready_at, processing_error,
              subtitles, metadata)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
          values: [
            media.id,
            media.kind,
            media.category,
            media.mimeType,
            media.ownerId,
            media.appId,
            JSON.stringify(media.additionalOwners),
            media.shared,
            media.state,
            media.size,
            media.width,
            media.height,
            media.durationMs,
            media.createdAtMs,
            media.expiresAtMs,
            media.processingStartsAtMs,
            media.readyAtMs,
            media.processingError,
            JSON.stringify(media.subtitles),
            JSON.stringify(media.metadata),
          ],
        }),
      );
    if (segments.length === 0) {
      await insert(this.pool);
      return;
    }
    await this.transaction(async (client) => {
      await insert(client);
      for (const segment of segments) await insertSegment(client, media.id, segment);
    });
  }

  async listSegments(mediaId: string): Promise<SegmentRecord[]> {
    const { rows } = await this.pool.query<SegmentRow>({
      name: 'list-segments',
      text: 'SELECT segment_index, blob_key, size, sha256 FROM media_segments WHERE media_id = $1 ORDER BY segment_index',
      values: [mediaId],
    });
    return rows.map(toSegment);
  }

  /** The session row is locked first, so concurrent appends to one upload check the total one at a time. */
  async addSegment(mediaId: string, segment: SegmentRecord, nowMs: number): Promise<AddSegmentOutcome> {
    return this.transaction(async (client): Promise<AddSegmentOutcome> => {
      const session = await lockLiveMedia(client, mediaId, nowMs);
      if (!session || session.state !== 'uploading') return { kind: 'not_uploading' };
      const existing = await client.query<SegmentRow>(
        'SELECT segment_index, blob_key, size, sha256 FROM media_segments WHERE media_id = $1 AND segment_index = $2',
        [mediaId, segment.index],
      );
      const found = existing.rows[0];
      if (found) {
        return found.sha256 === segment.sha256 && found.size === segment.size ? { kind: 'duplicate' } : { kind: 'conflict' };
      }
      const { bytes } = await segmentTotals(client, mediaId);
      if (bytes + segment.size > session.size) return { kind: 'over_total', receivedBytes: bytes };
      await insertSegment(client, mediaId, segment);
      return { kind: 'added' };
    });
  }

  async finalizeMedia(
    mediaId: string,
    expected: { readonly segmentCount: number; readonly totalBytes: number },
    facts: FinalizeFacts,
    nowMs: number,
  ): Promise<MediaRecord | undefined> {
    return this.transaction(async (client) => {
      const session = await lockLiveMedia(client, mediaId, nowMs);
      if (!session || session.state !== 'uploading') return undefined;
      const totals = await segmentTotals(client, mediaId);
      if (totals.count !== expected.segmentCount || totals.bytes !== expected.totalBytes) return undefined;
      const { rows } = await client.query<MediaRow>(
        `UPDATE media SET state = $2, mime_type = $3, width = $4, height = $5, duration_ms = $6,
            processing_starts_at = $7, ready_at = $8, processing_error = $9
          WHERE id = $1 RETURNING *`,
        [
          mediaId,
          facts.state,
          facts.mimeType,
          facts.width,
          facts.height,
          facts.durationMs,
          facts.processingStartsAtMs,
          facts.readyAtMs,
          facts.processingError,
        ],
      );
      return toMedia(rows[0]!);
    });
  }

  async putSubtitleTrack(mediaId: string, track: SubtitleTrack, nowMs: number): Promise<SubtitleTrack[] | undefined> {
    return this.transaction(async (client) => {
      const media = await lockLiveMedia(client, mediaId, nowMs);
      if (!media) return undefined;
      const tracks = json(media.subtitles).filter((t) => t.languageCode !== track.languageCode);
      tracks.push(track);
      await client.query('UPDATE media SET subtitles = $2 WHERE id = $1', [mediaId, JSON.stringify(tracks)]);
      return tracks;
    });
  }

  async deleteSubtitleTrack(mediaId: string, languageCode: string, nowMs: number): Promise<boolean | undefined> {
    return this.transaction(async (client) => {
      const media = await lockLiveMedia(client, mediaId, nowMs);
      if (!media) return undefined;
      const tracks = json(media.subtitles);
      const kept = tracks.filter((t) => t.languageCode !== languageCode);
      if (kept.length === tracks.length) return false;
      await client.query('UPDATE media SET subtitles = $2 WHERE id = $1', [mediaId, JSON.stringify(kept)]);
      return true;
    });
  }

  /** Several instances may sweep at once: each step is idempotent, and deleting bytes twice is harmless. */
  async collectExpiredMedia(nowMs: number, limit: number): Promise<string[]> {
    return this.transaction(async (client) => {
      await client.query(
        `INSERT INTO blob_garbage (media_id, since)
          SELECT id, $1 FROM media WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2
          ON CONFLICT (media_id) DO NOTHING`,
        [nowMs, limit],
      );
      await client.query('DELETE FROM media WHERE id IN (SELECT media_id FROM blob_garbage)');
      const { rows } = await client.query<{ media_id: string }>('SELECT media_id FROM blob_garbage ORDER BY since LIMIT $1', [limit]);
      return rows.map((r) => r.media_id);
    });
  }

  async forgetBlobGarbage(mediaIds: readonly string[]): Promise<void> {
    await this.pool.query('DELETE FROM blob_garbage WHERE media_id = ANY($1::text[])', [mediaIds]);
  }

  /**
   * One statement, so concurrent patches of different keys from any number of instances all land: the row
   * lock serializes them and each applies to the other's result. `-` drops the removed keys, `||` replaces
   * the top-level keys sent: exactly the upsert of src/domain/metadata.ts.
   */
  async updateMetadata(id: string, patch: MetadataPatch, nowMs: number): Promise<MediaMetadata | undefined> {
    const removed: string[] = [];
    const set: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) removed.push(key);
      else if (value !== undefined) set[key] = value;
    }
    const { rows } = await this.pool.query<{ metadata: MediaMetadata }>({
      name: 'update-metadata',
      text: `UPDATE media SET metadata = (metadata - $2::text[]) || $3::jsonb
        WHERE id = $1 AND expires_at > $4 RETURNING metadata`,
      values: [id, removed, JSON.stringify(set), nowMs],
    });
    return rows[0]?.metadata;
  }

  async findToken(hash: string): Promise<TokenRecord | undefined> {
    const { rows } = await this.pool.query<TokenRow>({ name: 'find-token', text: 'SELECT * FROM tokens WHERE hash = $1', values: [hash] });
    return rows[0] && toToken(rows[0]);
  }

  async findUserByName(username: string): Promise<UserRecord | undefined> {
    return this.one('SELECT * FROM users WHERE lower(username COLLATE "C") = lower($1 COLLATE "C")', [username], toUser);
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    return this.one('SELECT * FROM users WHERE id = $1', [id], toUser);
  }

  async findAppByName(name: string): Promise<AppRecord | undefined> {
    return this.one('SELECT * FROM apps WHERE name = $1', [name], toApp);
  }

  async findAppByClientId(clientId: string): Promise<AppRecord | undefined> {
    return this.one('SELECT * FROM apps WHERE client_id = $1', [clientId], toApp);
  }

  async findAppByConsumerKey(consumerKey: string): Promise<AppRecord | undefined> {
    return this.one('SELECT * FROM apps WHERE consumer_key = $1', [consumerKey], toApp);
  }

  async countUsers(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    return rows[0]!.n;
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.pool.query<UserRow>('SELECT * FROM users ORDER BY created_at, id')).rows.map(toUser);
  }

  async listApps(): Promise<AppRecord[]> {
    return (await this.pool.query<AppRow>('SELECT * FROM apps ORDER BY created_at, id')).rows.map(toApp);
  }

  async listTokens(filter: { userId?: string }): Promise<TokenRecord[]> {
    const { rows } = await this.pool.query<TokenRow>(
      'SELECT * FROM tokens WHERE $1::text IS NULL OR user_id = $1 ORDER BY created_at DESC',
      [filter.userId ?? null],
    );
    return rows.map(toToken);
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined> {
    return this.one('SELECT * FROM refresh_tokens WHERE hash = $1', [hash], toRefreshToken);
  }

  async findOAuth1Credentials(consumerKey: string, token: string): Promise<OAuth1Credentials | undefined> {
    const { rows } = await this.pool.query<{ app_id: string; user_id: string; consumer_secret_sealed: string; secret_sealed: string }>({
      name: 'find-oauth1-credentials',
      text: `SELECT t.app_id, t.user_id, t.secret_sealed, a.consumer_secret_sealed
        FROM oauth1_tokens t JOIN apps a ON a.id = t.app_id
        WHERE t.token = $1 AND t.revoked_at IS NULL AND a.consumer_key = $2 AND a.consumer_secret_sealed IS NOT NULL`,
      values: [token, consumerKey],
    });
    const row = rows[0];
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
    const { rows } = await this.pool.query<OAuth1TokenRow>(
      'SELECT * FROM oauth1_tokens WHERE $1::text IS NULL OR user_id = $1 ORDER BY created_at DESC',
      [filter.userId ?? null],
    );
    return rows.map(toOAuth1Token);
  }

  async insertUser(user: UserRecord): Promise<void> {
    await translateConstraint(
      this.pool.query('INSERT INTO users (id, username, password_hash, created_at) VALUES ($1, $2, $3, $4)', [
        user.id,
        user.username,
        user.passwordHash,
        user.createdAtMs,
      ]),
    );
  }

  async insertApp(app: AppRecord): Promise<void> {
    await translateConstraint(
      this.pool.query(
        `INSERT INTO apps (id, name, client_id, client_secret_hash, callback_urls, consumer_key, consumer_secret_sealed, created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          app.id,
          app.name,
          app.clientId,
          app.clientSecretHash,
          JSON.stringify(app.callbackUrls),
          app.consumerKey,
          app.consumerSecretSealed,
          app.createdAtMs,
        ],
      ),
    );
  }

  async deleteUser(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async deleteApp(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM apps WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async insertToken(token: TokenRecord): Promise<void> {
    await insertToken(this.pool, token);
  }

  async revokeToken(hash: string, nowMs: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL', [nowMs, hash]);
    return (result.rowCount ?? 0) > 0;
  }

  async insertGrant(access: TokenRecord, refresh: RefreshTokenRecord | null): Promise<void> {
    await this.transaction(async (client) => {
      await insertToken(client, access);
      if (refresh) await insertRefreshToken(client, refresh);
    });
  }

  /**
   * Of concurrent uses of one refresh token, the first to take the family's lock rotates it; each of the others
   * waits, then finds it used and revokes the family, exactly as a replay would.
   */
  async rotateRefreshToken(oldHash: string, access: TokenRecord, refresh: RefreshTokenRecord, nowMs: number): Promise<boolean> {
    return this.transaction(async (client) => {
      const old = await client.query<{ family_id: string }>('SELECT family_id FROM refresh_tokens WHERE hash = $1', [oldHash]);
      if (!old.rows[0]) return false;
      const familyId = old.rows[0].family_id;
      await lockFamily(client, familyId);
      const marked = await client.query(
        'UPDATE refresh_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL AND revoked_at IS NULL',
        [nowMs, oldHash],
      );
      if (marked.rowCount === 0) {
        await revokeFamily(client, familyId, nowMs);
        return false;
      }
      await insertToken(client, access);
      await insertRefreshToken(client, refresh);
      return true;
    });
  }

  async revokeFamily(familyId: string, nowMs: number): Promise<number> {
    return this.transaction(async (client) => {
      await lockFamily(client, familyId);
      return revokeFamily(client, familyId, nowMs);
    });
  }

  async insertOAuth1Token(token: OAuth1TokenRecord): Promise<void> {
    await translateConstraint(
      this.pool.query(
        'INSERT INTO oauth1_tokens (token, secret_sealed, app_id, user_id, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [token.token, token.secretSealed, token.appId, token.userId, token.createdAtMs, token.revokedAtMs],
      ),
    );
  }

  async revokeOAuth1Token(token: string, nowMs: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE oauth1_tokens SET revoked_at = $1 WHERE token = $2 AND revoked_at IS NULL', [
      nowMs,
      token,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async schemaVersion(): Promise<number> {
    const { rows } = await this.pool.query<{ v: number }>('SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations');
    return rows[0]!.v;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Runs `work` in one transaction on one pooled connection. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private async one<Row extends pg.QueryResultRow, T>(text: string, values: unknown[], map: (row: Row) => T): Promise<T | undefined> {
    const { rows } = await this.pool.query<Row>(text, values);
    return rows[0] && map(rows[0]);
  }
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** The live media row, locked until the transaction ends. */
async function lockLiveMedia(client: pg.PoolClient, mediaId: string, nowMs: number): Promise<MediaRow | undefined> {
  const { rows } = await client.query<MediaRow>('SELECT * FROM media WHERE id = $1 AND expires_at > $2 FOR UPDATE', [mediaId, nowMs]);
  return rows[0];
}

async function segmentTotals(client: pg.PoolClient, mediaId: string): Promise<{ count: number; bytes: number }> {
  const { rows } = await client.query<{ count: number; bytes: number }>(
    'SELECT count(*)::int AS count, coalesce(sum(size), 0)::bigint AS bytes FROM media_segments WHERE media_id = $1',
    [mediaId],
  );
  return rows[0]!;
}

function insertSegment(db: Queryable, mediaId: string, segment: SegmentRecord): Promise<unknown> {
  return translateConstraint(
    db.query('INSERT INTO media_segments (media_id, segment_index, blob_key, size, sha256) VALUES ($1, $2, $3, $4, $5)', [
      mediaId,
      segment.index,
      segment.blobKey,
      segment.size,
      segment.sha256,
    ]),
  );
}

async function translateConstraint<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new DuplicateKeyError((error as Error).message);
    throw error;
  }
}

function insertToken(db: Queryable, token: TokenRecord): Promise<unknown> {
  return translateConstraint(
    db.query(
      `INSERT INTO tokens (hash, kind, app_id, user_id, scopes, created_at, expires_at, revoked_at, family_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        token.hash,
        token.kind,
        token.appId,
        token.userId,
        token.scopes.join(' '),
        token.createdAtMs,
        token.expiresAtMs,
        token.revokedAtMs,
        token.familyId,
      ],
    ),
  );
}

function insertRefreshToken(db: Queryable, token: RefreshTokenRecord): Promise<unknown> {
  return translateConstraint(
    db.query(
      `INSERT INTO refresh_tokens (hash, family_id, app_id, user_id, scopes, created_at, expires_at, used_at, revoked_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        token.hash,
        token.familyId,
        token.appId,
        token.userId,
        token.scopes.join(' '),
        token.createdAtMs,
        token.expiresAtMs,
        token.usedAtMs,
        token.revokedAtMs,
      ],
    ),
  );
}

/** Advisory-lock namespace of refresh-token families (two-key advisory locks never meet the migration lock's one key). */
const FAMILY_LOCK_NAMESPACE = 0x786d66; // "xmf"

/**
 * Serializes every rotation and revocation of one grant for the rest of the transaction. Row locks alone
 * deadlock here: an UPDATE that waited for a concurrent rotation keeps the row locked even when it then finds
 * it used, and the revocations that follow lock the family's tokens and refresh tokens in no common order.
 * Two families whose ids hash alike merely wait for each other.
 */
async function lockFamily(db: Queryable, familyId: string): Promise<void> {
  const key = createHash('sha256').update(familyId).digest().readInt32BE(0);
  await db.query('SELECT pg_advisory_xact_lock($1, $2)', [FAMILY_LOCK_NAMESPACE, key]);
}

async function revokeFamily(db: Queryable, familyId: string, nowMs: number): Promise<number> {
  const tokens = await db.query('UPDATE tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL', [nowMs, familyId]);
  const refresh = await db.query('UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL', [
    nowMs,
    familyId,
  ]);
  return (tokens.rowCount ?? 0) + (refresh.rowCount ?? 0);
}
