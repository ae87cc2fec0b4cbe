import type { Migration } from '../sqlite/migrations.js';

/**
 * Versioned schema of the PostgreSQL store; the same versions as the SQLite store, in PostgreSQL's dialect.
 * Ids are TEXT (19-digit snowflakes; BIGINT would reject a well-formed 19-digit id above 2^63 with an error
 * instead of "not found"). Times are epoch milliseconds in BIGINT, as in SQLite.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, apps, tokens, media',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        password_hash TEXT,
        created_at BIGINT NOT NULL
      );
      -- Case-insensitive for ASCII letters only, like SQLite's NOCASE, whatever the database's locale.
      CREATE UNIQUE INDEX users_username ON users (lower(username COLLATE "C"));
      CREATE TABLE apps (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL UNIQUE,
        client_secret_hash TEXT,
        callback_urls JSONB NOT NULL DEFAULT '[]',
        created_at BIGINT NOT NULL
      );
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'app')),
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
        scopes TEXT NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT
      );
      CREATE INDEX tokens_user ON tokens (user_id);
      CREATE TABLE media (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        category TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        app_id TEXT,
        additional_owners JSONB NOT NULL DEFAULT '[]',
        shared BOOLEAN NOT NULL DEFAULT false,
        state TEXT NOT NULL,
        size BIGINT NOT NULL,
        width INTEGER,
        height INTEGER,
        duration_ms BIGINT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        metadata JSONB NOT NULL DEFAULT '{}'
      );
      CREATE INDEX media_expires ON media (expires_at);
    `,
  },
  {
    version: 2,
    name: 'chunked uploads: segments, processing timestamps, subtitles, blob garbage',
    sql: `
      ALTER TABLE media ADD COLUMN processing_starts_at BIGINT;
      ALTER TABLE media ADD COLUMN ready_at BIGINT;
      ALTER TABLE media ADD COLUMN processing_error TEXT;
      ALTER TABLE media ADD COLUMN subtitles JSONB NOT NULL DEFAULT '[]';
      CREATE TABLE media_segments (
        media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
        segment_index INTEGER NOT NULL,
        blob_key TEXT NOT NULL,
        size BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (media_id, segment_index)
      );
      CREATE TABLE blob_garbage (
        media_id TEXT PRIMARY KEY,
        since BIGINT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'OAuth: client and consumer credentials, refresh-token families, OAuth 1.0a tokens',
    sql: `
      ALTER TABLE apps ADD COLUMN consumer_key TEXT UNIQUE;
      ALTER TABLE apps ADD COLUMN consumer_secret_sealed TEXT;
      ALTER TABLE tokens ADD COLUMN family_id TEXT;
      CREATE INDEX tokens_family ON tokens (family_id) WHERE family_id IS NOT NULL;
      CREATE INDEX tokens_app ON tokens (app_id);
      CREATE TABLE refresh_tokens (
        hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        scopes TEXT NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        revoked_at BIGINT
      );
      CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_app ON refresh_tokens (app_id);
      CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
      CREATE TABLE oauth1_tokens (
        token TEXT PRIMARY KEY,
        secret_sealed TEXT NOT NULL,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE INDEX oauth1_tokens_app ON oauth1_tokens (app_id);
      CREATE INDEX oauth1_tokens_user ON oauth1_tokens (user_id);
    `,
  },
];
