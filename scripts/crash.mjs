#!/usr/bin/env node
// npm run test:crash [-- --cycles N --backend sqlite|postgres|both --max-load-ms MS --quiet]
//
// Crash safety, for real: starts the built server (`node dist/main.js`) as its own process, drives it with
// concurrent clients (metadata writes, one-shot uploads, chunked uploads), SIGKILLs it at a random moment,
// starts it again on the same data, and checks that nothing it acknowledged is gone:
//   - metadata: each client owns its media ids and writes them one request at a time, so for every media
//     item the stored alt text must be the last acknowledged one, or the one in flight at the kill;
//   - uploads: every media item acknowledged by a one-shot upload or a finalize is visible through
//     GET /2/media/{media_key}, and its stored bytes (read through dist/'s own store and blob modules, as
//     the server reads them) have the SHA-256 of what was sent;
//   - chunked sessions interrupted by a kill keep every acknowledged segment (same SHA-256), and are
//     resumed after the restart (an append whose answer was lost is sent again, then finalized).
// Zero lost is the only pass: the exit code is 1 otherwise. See docs/RELIABILITY.md, "Crash safety".
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32, deflateSync } from 'node:zlib';
import pg from 'pg';
import { freePort } from '../bench/lib/processes.mjs';
import { HIGH_RATE_LIMITS, MAIN } from '../bench/lib/xmedia.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { readConfig } = await import(path.join(root, 'dist/config.js'));
const { openStore, openBlobStore } = await import(path.join(root, 'dist/storage/open.js'));
const { SegmentedBlob } = await import(path.join(root, 'dist/storage/blobs/segmented-blob.js'));

const { values: options } = parseArgs({
  options: {
    cycles: { type: 'string', default: '20' },
    backend: { type: 'string' },
    'max-load-ms': { type: 'string', default: '4000' },
    quiet: { type: 'boolean', default: false },
  },
});
const CYCLES = Number(options.cycles);
if (!Number.isInteger(CYCLES) || CYCLES < 1) throw new Error('--cycles must be a positive integer');
const PG_URL = process.env.XMEDIA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const METADATA_CLIENTS = 12;
const MEDIA_PER_METADATA_CLIENT = 4;
const ONE_SHOT_CLIENTS = 2;
const CHUNKED_CLIENTS = 2;
/** How long the clients run before the kill: a random moment in this range (ms). */
const LOAD_MS = [200, Number(options['max-load-ms'])];
if (!(LOAD_MS[1] > LOAD_MS[0])) throw new Error(`--max-load-ms must be more than ${LOAD_MS[0]}`);

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const log = (...args) => options.quiet || console.log(...args);

// ---------------------------------------------------------------------------------------------------------
// Media: PNGs of random pixels (every upload is different bytes, and valid: the server sniffs and measures it).

function pngChunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(data.length + 12);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), data.length + 8);
  return out;
}

function randomPng(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = randomBytes((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) rows[y * (width * 3 + 1)] = 0; // filter type: none
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 1 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// The server process.

/** Starts `node dist/main.js` on a free port (another, when someone took that port before the server bound it). */
async function startServer(env) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOn(await freePort(), env);
    } catch (error) {
      if (attempt === 5 || !/port \d+ on [\d.]+ is taken/.test(error.message)) throw error;
    }
  }
}

async function startServerOn(port, env) {
  const child = spawn(process.execPath, [MAIN], {
    cwd: root,
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const deadline = Date.now() + 30_000;
  while (!output.includes('xmedia is serving')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`xmedia did not start:\n${output}`);
    }
    await sleep(10);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      return exited;
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP. A request either gets an answer (status + body) or fails on the network (the server died under it):
// then its outcome is unknown.

class Lost extends Error {}

async function call(url, init) {
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: response.status, text, json };
  } catch (error) {
    throw new Lost(String(error?.cause?.code ?? error?.message ?? error));
  }
}

const auth = (token) => ({ authorization: `Bearer ${token}` });
const postJson = (url, token, body) =>
  call(url, { method: 'POST', headers: { ...auth(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });

function uploadOneShot(url, token, bytes) {
  const form = new FormData();
  form.append('media_category', 'tweet_image');
  form.append('media', new Blob([bytes]));
  return call(`${url}/2/media/upload`, { method: 'POST', headers: auth(token), body: form });
}

function append(url, token, id, index, bytes) {
  const form = new FormData();
  form.append('segment_index', String(index));
  form.append('media', new Blob([bytes]));
  return call(`${url}/2/media/upload/${id}/append`, { method: 'POST', headers: auth(token), body: form });
}

// ---------------------------------------------------------------------------------------------------------
// One backend's run.

async function runBackend(backend) {
  const started = Date.now();
  const dataDir = mkdtempSync(path.join(tmpdir(), `xmedia-crash-${backend}-`));
  let schema;
  const env = {
    XMEDIA_DATA_DIR: dataDir,
    XMEDIA_LOG_LEVEL: 'warn',
    XMEDIA_PUBLIC_URL: '',
    ...HIGH_RATE_LIMITS,
  };
  if (backend === 'postgres') {
    schema = `xmedia_crash_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    env.DATABASE_URL = url.toString();
    env.XMEDIA_SECRET_KEY = randomBytes(32).toString('base64');
  }

  const stats = {
    backend,
    cycles: 0,
    metadataAcked: 0,
    metadataChecked: 0,
    rowsChecked: 0,
    inFlightLanded: 0,
    inFlightNotLanded: 0,
    uploadsAcked: 0,
    oneShotAcked: 0,
    chunkedAcked: 0,
    finalizeLanded: 0,
    uploadsChecked: 0,
    segmentsChecked: 0,
    sessionsResumed: 0,
    unexpected: 0,
    lost: 0,
  };
  const problems = [];
  const lose = (what) => {
    stats.lost++;
    problems.push(what);
    console.error(`LOST [${backend}] ${what}`);
  };
  const unexpected = (what, result) => {
    stats.unexpected++;
    if (stats.unexpected <= 10) console.error(`unexpected answer [${backend}] ${what}: ${result.status} ${result.text.slice(0, 300)}`);
  };

  let server;
  try {
    // The first start on an empty database creates a dev user and prints a token for it.
    server = await startServer(env);
    const token = /Bearer ([A-Za-z0-9._~-]+)'/.exec(server.output())?.[1];
    if (!token) throw new Error(`no token in the first-start hint:\n${server.output()}`);

    /** Uploads acknowledged (or found finalized), to check at the next restart and again at the end. */
    const toCheck = [];
    const checked = [];

    // Metadata targets: photos uploaded before any kill (checked like every upload), owned by one client each.
    /** @type {{ id: string, key: string, acked: string | undefined, inFlight: string | undefined, unchecked: number }[]} */
    const allOwned = await Promise.all(
      Array.from({ length: METADATA_CLIENTS * MEDIA_PER_METADATA_CLIENT }, async () => {
        const bytes = randomPng(16, 16);
        const result = await uploadOneShot(server.url, token, bytes);
        if (result.status !== 200) throw new Error(`setup upload: ${result.status} ${result.text}`);
        const { id, media_key: key } = result.json.data;
        toCheck.push({ id, key, sha: sha256(bytes), size: bytes.length, how: 'one-shot' });
        stats.uploadsAcked++;
        stats.oneShotAcked++;
        return { id, key, acked: undefined, inFlight: undefined, unchecked: 0 };
      }),
    );
    const owned = Array.from({ length: METADATA_CLIENTS }, (_, c) =>
      allOwned.slice(c * MEDIA_PER_METADATA_CLIENT, (c + 1) * MEDIA_PER_METADATA_CLIENT),
    );

    /** The chunked clients' uploads in progress, kept across kills and resumed. */
    const sessions = Array.from({ length: CHUNKED_CLIENTS }, () => undefined);
    let writeNo = 0;

    async function metadataClient(c, url, run) {
      const mine = owned[c];
      while (!run.stopped) {
        const media = mine[randomInt(mine.length)];
        const text = `client ${c} write ${++writeNo} ${randomBytes(6).toString('hex')}`;
        media.inFlight = text;
        const result =
          writeNo % 2 === 0
            ? await postJson(`${url}/2/media/metadata/create`, token, { media_id: media.id, alt_text: { text } })
            : await postJson(`${url}/2/media/metadata`, token, { id: media.id, metadata: { alt_text: { text } } });
        if (result.status !== 200) return unexpected('metadata write', result); // in flight stays: outcome unknown
        media.acked = text;
        media.inFlight = undefined;
        media.unchecked++;
        stats.metadataAcked++;
      }
    }

    async function oneShotClient(url, run) {
      while (!run.stopped) {
        const bytes = randomPng(randomInt(16, 96), randomInt(16, 96));
        const result = await uploadOneShot(url, token, bytes);
        if (result.status !== 200) return unexpected('one-shot upload', result);
        toCheck.push({ id: result.json.data.id, key: result.json.data.media_key, sha: sha256(bytes), size: bytes.length, how: 'one-shot' });
        stats.uploadsAcked++;
        stats.oneShotAcked++;
      }
    }

    async function chunkedClient(c, url, run) {
      while (!run.stopped) {
        let session = sessions[c];
        if (!session) {
          const bytes = randomPng(randomInt(64, 200), randomInt(64, 200));
          const count = randomInt(2, 7);
          const cuts = [0, ...Array.from({ length: count - 1 }, () => randomInt(1, bytes.length)).sort((a, b) => a - b), bytes.length];
          const segments = cuts.slice(1).map((end, i) => bytes.subarray(cuts[i], end)).filter((s) => s.length > 0);
          const init = await postJson(`${url}/2/media/upload/initialize`, token, {
            media_type: 'image/png',
            total_bytes: bytes.length,
            media_category: 'tweet_image',
          });
          if (init.status !== 200) return unexpected('initialize', init);
          session = sessions[c] = {
            id: init.json.data.id,
            key: init.json.data.media_key,
            sha: sha256(bytes),
            size: bytes.length,
            segments,
            next: 0,
            finalizeSent: false,
          };
        }
        while (session.next < session.segments.length) {
          if (run.stopped) return;
          const result = await append(url, token, session.id, session.next, session.segments[session.next]);
          if (result.status !== 200) return unexpected('append', result);
          session.next++;
        }
        const resumed = session.finalizeSent;
        session.finalizeSent = true;
        const result = await postJson(`${url}/2/media/upload/${session.id}/finalize`, token, {});
        if (result.status === 200) {
          stats.uploadsAcked++;
          stats.chunkedAcked++;
        } else if (resumed && result.status === 400 && /already finalized/i.test(result.text)) {
          stats.finalizeLanded++;
        } else {
          return unexpected('finalize', result);
        }
        // (An "already finalized" answer to a resent finalize: the one in flight at the kill had landed.)
        toCheck.push({ id: session.id, key: session.key, sha: session.sha, size: session.size, how: 'chunked' });
        sessions[c] = undefined;
      }
    }

    /** Runs every client until the kill; resolves once each has stopped. */
    async function load(url, run) {
      const client = (fn) =>
        fn().catch((error) => {
          if (!(error instanceof Lost)) throw error;
        });
      await Promise.all([
        ...owned.map((_, c) => client(() => metadataClient(c, url, run))),
        ...Array.from({ length: ONE_SHOT_CLIENTS }, () => client(() => oneShotClient(url, run))),
        ...Array.from({ length: CHUNKED_CLIENTS }, (_, c) => client(() => chunkedClient(c, url, run))),
      ]);
    }

    async function verifyUpload(store, blobs, url, upload) {
      const visible = await call(`${url}/2/media/${upload.key}`, { headers: auth(token) });
      if (visible.status !== 200 || visible.json?.data?.media_key !== upload.key) {
        const answer = `${visible.status} ${visible.text.slice(0, 200)}`;
        return lose(`${upload.how} upload ${upload.id}: GET /2/media/${upload.key} answered ${answer}`);
      }
      const row = await store.getMedia(upload.id);
      if (!row || row.state !== 'succeeded' || row.size !== upload.size) {
        return lose(`${upload.how} upload ${upload.id}: row ${JSON.stringify(row && { state: row.state, size: row.size })}`);
      }
      const segments = await store.listSegments(upload.id);
      const blob = new SegmentedBlob(blobs, segments);
      let bytes;
      try {
        bytes = await blob.read(0, blob.size);
      } catch (error) {
        return lose(`${upload.how} upload ${upload.id}: bytes unreadable (${error.message})`);
      }
      if (blob.size !== upload.size || sha256(bytes) !== upload.sha) {
        const stored = `${blob.size} bytes, SHA-256 ${sha256(bytes)}`;
        return lose(`${upload.how} upload ${upload.id}: stored ${stored}; sent ${upload.size} bytes, SHA-256 ${upload.sha}`);
      }
      // Each blob file whole, too: exactly the size and SHA-256 its segment row records.
      for (const segment of segments) {
        const file = await blobs.get(segment.blobKey);
        if (!file || file.length !== segment.size || sha256(file) !== segment.sha256) {
          return lose(`${upload.how} upload ${upload.id}: blob ${segment.blobKey} is ${file ? `${file.length} other bytes` : 'gone'}`);
        }
      }
      stats.uploadsChecked++;
    }

    /** After a restart: everything acknowledged before the kill must be there. */
    async function verify(url, { all = false } = {}) {
      // Metadata: the stored alt text of every owned media item, 100 keys a lookup.
      for (let i = 0; i < allOwned.length; i += 100) {
        const batch = allOwned.slice(i, i + 100);
        const keys = batch.map((m) => m.key).join(',');
        const lookup = await call(`${url}/2/media?media_keys=${keys}&media.fields=alt_text`, { headers: auth(token) });
        if (lookup.status !== 200) throw new Error(`lookup: ${lookup.status} ${lookup.text}`);
        const stored = new Map((lookup.json.data ?? []).map((d) => [d.media_key, d]));
        for (const media of batch) {
          const found = stored.get(media.key);
          stats.rowsChecked++;
          if (!found) {
            lose(`media ${media.id}: gone from GET /2/media`);
          } else if (found.alt_text === media.acked) {
            if (media.inFlight !== undefined && media.inFlight !== media.acked) stats.inFlightNotLanded++;
          } else if (media.inFlight !== undefined && found.alt_text === media.inFlight) {
            stats.inFlightLanded++;
            media.acked = found.alt_text;
          } else {
            const [storedText, acked, inFlight] = [found.alt_text, media.acked, media.inFlight].map((t) => JSON.stringify(t));
            lose(`media ${media.id}: alt text ${storedText}, last acknowledged ${acked}, in flight ${inFlight}`);
            media.acked = found.alt_text;
          }
          media.inFlight = undefined;
          stats.metadataChecked += media.unchecked;
          media.unchecked = 0;
        }
      }

      const store = await openStore(readConfig(env));
      const blobs = openBlobStore(readConfig(env));
      try {
        // Uploads acknowledged since the last check (all of them at the end).
        const uploads = all ? [...checked, ...toCheck.splice(0)] : toCheck.splice(0);
        for (const upload of uploads) await verifyUpload(store, blobs, url, upload);
        if (!all) checked.push(...uploads);
        // Sessions cut short: every acknowledged segment is stored with the bytes sent.
        for (const session of sessions) {
          if (!session) continue;
          if (session.next > 0) stats.sessionsResumed++;
          const segments = await store.listSegments(session.id);
          for (let index = 0; index < session.next; index++) {
            const segment = segments.find((s) => s.index === index);
            const sent = session.segments[index];
            const bytes = segment && (await blobs.get(segment.blobKey));
            if (!segment || segment.sha256 !== sha256(sent) || !bytes || sha256(bytes) !== sha256(sent)) {
              lose(`session ${session.id}: acknowledged segment ${index} ${segment ? 'has other bytes' : 'is gone'}`);
            } else {
              stats.segmentsChecked++;
            }
          }
        }
      } finally {
        await store.close();
      }
    }

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const run = { stopped: false };
      const running = load(server.url, run);
      await sleep(randomInt(LOAD_MS[0], LOAD_MS[1]));
      await server.kill();
      run.stopped = true;
      await running;
      stats.cycles++;
      server = await startServer(env);
      await verify(server.url);
      log(
        `[${backend}] cycle ${cycle}/${CYCLES}: ${stats.metadataAcked} writes acknowledged, ` +
          `${stats.uploadsAcked} uploads acknowledged, lost ${stats.lost}`,
      );
    }
    // Finish the sessions the last kill interrupted, then check every upload once more.
    await Promise.all(sessions.map((_, c) => chunkedClient(c, server.url, { get stopped() { return sessions[c] === undefined; } })));
    const before = stats.uploadsChecked;
    await verify(server.url, { all: true });
    stats.finalUploadsChecked = stats.uploadsChecked - before;
    const code = await server.stop();
    server = undefined;
    if (code !== 0) problems.push(`clean stop exited ${code}`);
    Object.assign(stats, await unreferencedBlobs(env));
  } finally {
    if (server) await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
    if (schema) {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }
  stats.seconds = Math.round((Date.now() - started) / 100) / 10;
  return { stats, problems };
}

/**
 * Not a loss, a leak: files in the blob directory that no row points at. `orphan`: a one-shot upload killed after
 * its bytes were written but before its row was, or a put killed before its rename; no media row names them, so
 * only the sweeper's orphan scan deletes them, once their id is older than the media lifetime plus an hour (so
 * they are all still here when this counts them). `stray`: an append killed after its bytes were written but before its
 * segment row was; they sit in their media's group and go with it when it expires. Reported, not failed.
 */
async function unreferencedBlobs(env) {
  const config = readConfig(env);
  const store = await openStore(config);
  const found = { orphanFiles: 0, orphanBytes: 0, strayFiles: 0, strayBytes: 0 };
  const count = (kind, file) => {
    found[`${kind}Files`]++;
    found[`${kind}Bytes`] += statSync(file).size;
  };
  try {
    for (const shard of readdirSync(config.blobDir)) {
      for (const entry of readdirSync(path.join(config.blobDir, shard), { withFileTypes: true })) {
        const full = path.join(config.blobDir, shard, entry.name);
        if (!entry.isDirectory()) {
          // A one-shot upload's blob is the file named after its media id; anything else here is a temporary file.
          const row = entry.name.includes('.') ? undefined : await store.getMedia(entry.name);
          if (!row) count('orphan', full);
          continue;
        }
        const row = await store.getMedia(entry.name);
        const referenced = new Set((await store.listSegments(entry.name)).map((s) => s.blobKey));
        for (const name of readdirSync(full)) {
          if (!referenced.has(`${entry.name}/${name}`)) count(row ? 'stray' : 'orphan', path.join(full, name));
        }
      }
    }
  } finally {
    await store.close();
  }
  return found;
}

async function postgresAnswers() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

let backends;
if (options.backend === undefined) {
  backends = (await postgresAnswers()) ? ['sqlite', 'postgres'] : ['sqlite'];
  if (backends.length === 1) console.log(`PostgreSQL does not answer at ${PG_URL}: SQLite only`);
} else if (options.backend === 'both') {
  backends = ['sqlite', 'postgres'];
} else if (options.backend === 'sqlite' || options.backend === 'postgres') {
  backends = [options.backend];
} else {
  throw new Error('--backend must be sqlite, postgres or both');
}

let failed = false;
for (const backend of backends) {
  const { stats, problems } = await runBackend(backend);
  console.log(
    `crash [${backend}]: ${stats.cycles} cycles (SIGKILL + restart), ${stats.metadataAcked} metadata writes acknowledged, ` +
      `${stats.metadataChecked} checked (${stats.rowsChecked} row checks; in flight at the kill: ${stats.inFlightLanded} landed, ` +
      `${stats.inFlightNotLanded} not), ${stats.uploadsAcked} uploads acknowledged (${stats.oneShotAcked} one-shot, ` +
      `${stats.chunkedAcked} chunked; ${stats.finalizeLanded} more finalized by a finalize in flight at a kill), ` +
      `${stats.uploadsChecked} upload checks ` +
      `(${stats.finalUploadsChecked} in the final pass), ${stats.segmentsChecked} segments of interrupted sessions checked, ` +
      `${stats.sessionsResumed} interrupted sessions resumed, ${stats.unexpected} unexpected answers, ` +
      `lost ${stats.lost}, ${stats.seconds} s ` +
      `(blob files referenced by no row: ${stats.orphanFiles} files, ${stats.orphanBytes} bytes that no row names, reclaimed by the orphan scan a lifetime + 1 h after their upload; ` +
      `${stats.strayFiles} files, ${stats.strayBytes} bytes reclaimed when their media expires)`,
  );
  if (stats.lost > 0 || stats.unexpected > 0 || problems.length > 0) {
    failed = true;
    for (const problem of problems) console.error(`  ${problem}`);
  }
}
console.log(failed ? 'crash: FAILED' : 'crash: ok, nothing acknowledged was lost');
process.exit(failed ? 1 : 0);
