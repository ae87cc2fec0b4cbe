// Starting xmedia from its build (dist/) with a bench-ready data dir: a user, a token, an uploaded image.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { seedBody } from './bodies.mjs';
import { freePort, runNode, startProcess } from './processes.mjs';

const root = path.resolve(import.meta.dirname, '../..');
export const MAIN = path.join(root, 'dist/main.js');
export const CLI = path.join(root, 'bin/xmedia.js');

/** Limits so high they never trigger, but the limiter still counts every request (as the goal demands). */
export const HIGH_RATE_LIMITS = Object.fromEntries(
  ['UPLOAD', 'UPLOAD_STATUS', 'UPLOAD_INITIALIZE', 'UPLOAD_APPEND', 'UPLOAD_FINALIZE', 'METADATA', 'SUBTITLES', 'MEDIA_LOOKUP'].map(
    (name) => [`XMEDIA_RATE_LIMIT_${name}`, '1000000000/1000000000'],
  ),
);

export function benchEnv(dataDir, extra = {}) {
  return {
    XMEDIA_DATA_DIR: dataDir,
    XMEDIA_LOG_LEVEL: 'warn',
    XMEDIA_DEV_BOOTSTRAP: 'off',
    HOST: '127.0.0.1',
    ...HIGH_RATE_LIMITS,
    ...extra,
  };
}

export function newDataDir(label) {
  return mkdtempSync(path.join(tmpdir(), `xmedia-bench-${label}-`));
}

/**
 * `main`: another build's entry point (the `ab` scenario compares two builds); `nodeArgs`: options for node
 * itself, before the entry point (`--import` a probe, say); `cpus`: keep the server on these CPUs (taskset).
 */
export async function startXmedia(name, env, { main = MAIN, nodeArgs = [], cpus } = {}) {
  const port = await freePort();
  const server = await startProcess(name, [...nodeArgs, main], { ...env, PORT: String(port) }, { readyUrl: `http://127.0.0.1:${port}/health`, cpus });
  return { ...server, url: `http://127.0.0.1:${port}`, port };
}

export function createToken(env, user = 'bench') {
  const out = runNode([CLI, 'token', 'create', '--user', user, '--scopes', 'media.write tweet.read'], env);
  return out.trim().split('\n').at(-1);
}

/** A 16×16 PNG, uploaded one-shot; returns its media id. */
export async function uploadSampleImage(url, token) {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR42mP8z8AARIQB48gVNaqAOgAA7P4Q8Q4Oq0YAAAAASUVORK5CYII=',
    'base64',
  );
  const form = new FormData();
  form.append('media_category', 'tweet_image');
  form.append('media', new Blob([png]));
  const response = await fetch(`${url}/2/media/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const json = await response.json();
  if (!json.data?.id) throw new Error(`upload failed: ${JSON.stringify(json)}`);
  return json.data.id;
}

/**
 * Fills the embedded store with `count` media rows carrying the seed's metadata, owned by another user
 * (or by `ownerId`), straight through SQLite (the schema must exist: start xmedia once on the data dir
 * first). Returns the ids.
 */
export function seedRows(dataDir, count, metadata, ownerId = '1') {
  const db = new Database(path.join(dataDir, 'xmedia.sqlite'));
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(`INSERT INTO media (id, kind, category, mime_type, owner_id, app_id, additional_owners, shared, state,
      size, width, height, duration_ms, created_at, expires_at, metadata)
    VALUES (?, 'photo', 'tweet_image', 'image/png', ?, NULL, '[]', 0, 'succeeded', 100, 16, 16, NULL, ?, ?, ?)`);
  const json = JSON.stringify(metadata);
  const now = Date.now();
  const base = 1_000_000_000_000_000_000n;
  const ids = [];
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const id = String(base + BigInt(i));
      insert.run(id, ownerId, now, now + 86_400_000, json);
      ids.push(id);
    }
  });
  for (let from = 0; from < count; from += 100_000) batch(from, Math.min(count, from + 100_000));
  db.close();
  return ids;
}

/** The id of a user of the embedded store, by name. */
export function userIdOf(dataDir, username) {
  const db = new Database(path.join(dataDir, 'xmedia.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT id FROM users WHERE username = ?').pluck().get(username);
  } finally {
    db.close();
  }
}

/**
 * A private schema in the bench PostgreSQL (XMEDIA_BENCH_DATABASE_URL, default the local test database):
 * `url` selects it through search_path; `drop()` removes it and everything in it.
 */
export async function createBenchSchema(label) {
  const databaseUrl = process.env.XMEDIA_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `xmedia_${label}_${Date.now()}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin.query(`DROP SCHEMA ${name} CASCADE`);
      await admin.end();
    },
  };
}

/** xmedia on a fresh data dir, with a token and one uploaded image. `main`, `nodeArgs`, `cpus`: as for startXmedia. */
export async function xmediaWithImage(label, extraEnv = {}, { main, nodeArgs, cpus } = {}) {
  const dataDir = newDataDir(label);
  const env = benchEnv(dataDir, extraEnv);
  const server = await startXmedia(`xmedia ${label}`, env, { main, nodeArgs, cpus });
  const token = createToken(env);
  const mediaId = await uploadSampleImage(server.url, token);
  return { server, token, mediaId, dataDir, env };
}

/** `count` photos uploaded by the token's user, in turn; returns their ids. */
export async function uploadImages(url, token, count) {
  const ids = [];
  for (let n = 0; n < count; n++) ids.push(await uploadSampleImage(url, token));
  return ids;
}

/** The seed's metadata on one media item (what the lookups read back). */
export async function seedMetadata(url, token, mediaId) {
  const response = await fetch(`${url}/2/media/metadata/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: seedBody(mediaId),
  });
  if (!response.ok) throw new Error(`seeding metadata failed: ${response.status}`);
}
