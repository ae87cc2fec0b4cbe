import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SnowflakeIds } from '../../src/domain/ids.js';
import path from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite/store.js';
import { tempDir } from '../helpers/server.js';
import { runStoreContract } from './contract.js';

runStoreContract('SQLite', async () => {
  const dir = tempDir('xmedia-store-');
  const store = new SqliteStore(path.join(dir, 'contract.sqlite'));
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

/**
 * The embedded store serves tokens and media from memory (src/storage/sqlite/read-cache.ts). Another process
 * writing the same file (the CLI revoking a token while the server runs) must be seen by the requests that
 * start a millisecond after its commit (the store asks SQLite's `data_version` at most once a millisecond):
 * here the "other process" is a second connection to the same file, which is all SQLite can tell apart.
 */
describe('SQLite read caches and other writers of the same file', () => {
  it('see a token revoked and metadata changed through another connection a millisecond later', async () => {
    const dir = tempDir('xmedia-store-');
    const file = path.join(dir, 'shared.sqlite');
    const server = new SqliteStore(file);
    const cli = new SqliteStore(file);
    try {
      const ids = new SnowflakeIds();
      const now = Date.now();
      const user = { id: ids.next(), username: 'erin', passwordHash: null, createdAtMs: now };
      const app = { id: ids.next(), name: 'cache-app', clientId: ids.next(), clientSecretHash: null, callbackUrls: [], consumerKey: null, consumerSecretSealed: null, createdAtMs: now };
      await server.insertUser(user);
      await server.insertApp(app);
      const token = { hash: 'a'.repeat(64), kind: 'user' as const, appId: app.id, userId: user.id, scopes: ['media.write'], createdAtMs: now, expiresAtMs: null, revokedAtMs: null, familyId: null };
      await server.insertToken(token);
      const media = await insertRow(server, ids, user.id, now);

      assert.equal((await server.findToken(token.hash))?.revokedAtMs, null, 'cached now');
      assert.equal((await server.getMedia(media))?.metadata.altText, undefined, 'cached now');
      await cli.revokeToken(token.hash, now + 1);
      await cli.updateMetadata(media, { altText: 'from the CLI' }, now + 1);
      // Not sooner: within the millisecond of the last check the caches answer without asking.
      const committedAtMs = Date.now();
      while (Date.now() === committedAtMs) await new Promise((resolve) => setImmediate(resolve));

      assert.equal((await server.findToken(token.hash))?.revokedAtMs, now + 1);
      assert.equal((await server.getMedia(media))?.metadata.altText, 'from the CLI');
      // The writer's own cache was never stale: its updates build on what the other wrote.
      assert.deepEqual(await server.updateMetadata(media, { uploadSource: 'gallery' }, now + 2), { altText: 'from the CLI', uploadSource: 'gallery' });
    } finally {
      await cli.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('write metadata to the right row after another connection has renumbered the rows', async () => {
    // The store updates metadata by the rowid it cached with the media item (one B-tree descent instead of two).
    // Another process may renumber rows (VACUUM may, for a table keyed by TEXT): here two rows swap rowids.
    const dir = tempDir('xmedia-store-');
    const file = path.join(dir, 'shared.sqlite');
    const server = new SqliteStore(file);
    const other = new Database(file);
    try {
      const ids = new SnowflakeIds();
      const now = Date.now();
      const [first, second] = [await insertRow(server, ids, '1', now), await insertRow(server, ids, '1', now)];
      await server.updateMetadata(first, { altText: 'first' }, now);
      await server.updateMetadata(second, { altText: 'second' }, now);
      const rowid = other.prepare('SELECT rowid FROM media WHERE id = ?').pluck();
      const [a, b] = [rowid.get(first), rowid.get(second)];
      other.transaction(() => {
        other.prepare('UPDATE media SET rowid = -1 WHERE id = ?').run(first);
        other.prepare('UPDATE media SET rowid = ? WHERE id = ?').run(a, second);
        other.prepare('UPDATE media SET rowid = ? WHERE id = ?').run(b, first);
      })();

      assert.deepEqual(await server.updateMetadata(first, { uploadSource: 'gallery' }, now + 1), { altText: 'first', uploadSource: 'gallery' });
      const stored = other.prepare('SELECT metadata FROM media WHERE id = ?').pluck();
      assert.deepEqual(JSON.parse(stored.get(first) as string), { altText: 'first', uploadSource: 'gallery' });
      assert.deepEqual(JSON.parse(stored.get(second) as string), { altText: 'second' });
    } finally {
      other.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function insertRow(store: SqliteStore, ids: SnowflakeIds, ownerId: string, now: number): Promise<string> {
  const id = ids.next();
  await store.insertMedia({
    id,
    kind: 'photo',
    category: 'tweet_image',
    mimeType: 'image/png',
    ownerId,
    appId: null,
    additionalOwners: [],
    shared: false,
    state: 'succeeded',
    size: 10,
    width: 1,
    height: 1,
    durationMs: null,
    createdAtMs: now,
    expiresAtMs: now + 3_600_000,
    processingStartsAtMs: null,
    readyAtMs: null,
    processingError: null,
    subtitles: [],
    metadata: {},
  });
  return id;
}
