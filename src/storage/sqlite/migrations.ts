/**
 * Versioned schema of the embedded store. Append a migration; never edit one that has shipped.
 * Ids are TEXT: 19-digit snowflakes do not fit a JavaScript number.
 * Versions may have gaps (work on different areas reserves numbers in parallel); the runner applies every
 * migration not yet applied, in version order, so each must stand on the ones numbered below it only.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, apps, tokens, media',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE apps (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL UNIQUE,
        client_secret_hash TEXT,
        callback_urls TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL
      );
      CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'app')),
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
        scopes TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX tokens_user ON tokens(user_id);
      CREATE TABLE media (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        category TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        app_id TEXT,
        additional_owners TEXT NOT NULL DEFAULT '[]',
        shared INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        size INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        duration_ms INTEGER,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX media_expires ON media(expires_at);
    `,
  },
  {
    version: 2,
    name: 'chunked uploads: segments, processing timestamps, subtitles, blob garbage',
    sql: `
      ALTER TABLE media ADD COLUMN processing_starts_at INTEGER;
      ALTER TABLE media ADD COLUMN ready_at INTEGER;
      ALTER TABLE media ADD COLUMN processing_error TEXT;
      ALTER TABLE media ADD COLUMN subtitles TEXT NOT NULL DEFAULT '[]';
      CREATE TABLE media_segments (
        media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
        segment_index INTEGER NOT NULL,
        blob_key TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (media_id, segment_index)
      ) WITHOUT ROWID;
      CREATE TABLE blob_garbage (
        media_id TEXT PRIMARY KEY,
        since INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'OAuth: client and consumer credentials, refresh-token families, OAuth 1.0a tokens',
    sql: `
      ALTER TABLE apps ADD COLUMN consumer_key TEXT;
      ALTER TABLE apps ADD COLUMN consumer_secret_sealed TEXT;
      CREATE UNIQUE INDEX apps_consumer_key ON apps(consumer_key);
      ALTER TABLE tokens ADD COLUMN family_id TEXT;
      CREATE INDEX tokens_family ON tokens(family_id) WHERE family_id IS NOT NULL;
      CREATE INDEX tokens_app ON tokens(app_id);
      CREATE TABLE refresh_tokens (
        hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        scopes TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        revoked_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
      CREATE INDEX refresh_tokens_app ON refresh_tokens(app_id);
      CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
      CREATE TABLE oauth1_tokens (
        token TEXT PRIMARY KEY,
        secret_sealed TEXT NOT NULL,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX oauth1_tokens_app ON oauth1_tokens(app_id);
      CREATE INDEX oauth1_tokens_user ON oauth1_tokens(user_id);
    `,
  },
];
