import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { SQLITE_FILE } from '../src/storage/sqlite/store.js';
import { request } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { createTestSchema, postgresUnavailable, type TestSchema } from './helpers/postgres.js';
import { serverProcesses, tokenFromHint, type ServerProcess } from './helpers/process.js';
import { startServer, tempDir } from './helpers/server.js';

/**
 * Issue 7, "SIGTERM finishes in-flight work": the real server process, stopped while requests are still
 * arriving. What was under way is answered and stored; what comes after is refused; the database is closed
 * cleanly; a grace period (XMEDIA_SHUTDOWN_TIMEOUT_MS) or a second signal bounds the wait.
 */

const SEGMENT = png(6, 5);
const BOUNDARY = 'xmedia-shutdown-test';

/** A raw HTTP/1.1 exchange on its own connection, written in pieces, so a request can be left half-sent. */
class RawRequest {
  private readonly socket: Socket;
  private received = Buffer.alloc(0);
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Everything the server sent until it closed the connection, or until one whole response has come. */
  async response(): Promise<{ status: number; headers: Map<string, string>; body: string } | undefined> {
    for (;;) {
      const parsed = parseResponse(this.received);
      if (parsed) return parsed;
      if (this.socket.destroyed || this.socket.readableEnded) return undefined;
      await Promise.race([this.closed, new Promise((resolve) => this.socket.once('data', resolve))]);
    }
  }

  get receivedBytes(): number {
    return this.received.length;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseResponse(bytes: Buffer): { status: number; headers: Map<string, string>; body: string } | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const length = Number(headers.get('content-length') ?? 0);
  if (bytes.length < end + 4 + length) return undefined;
  return { status: Number(statusLine!.split(' ')[1]), headers, body: bytes.subarray(end + 4, end + 4 + length).toString('utf8') };
}

function head(method: string, url: string, token: string, contentType: string, length: number): string {
  return `${method} ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`;
}

/** A multipart append body (segment_index, then the bytes), as twitter-api-v2 sends it. */
function appendBody(segmentIndex: number, bytes: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n${segmentIndex}\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="media"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** Headers and the first `sent` bytes of the body now; the rest when `finish` is called. */
async function halfSent(port: number, method: string, url: string, token: string, contentType: string, body: Buffer, sent: number) {
  const raw = new RawRequest(port);
  await raw.write(head(method, url, token, contentType, body.length));
  await raw.write(body.subarray(0, sent));
  return {
    raw,
    async finish() {
      await raw.write(body.subarray(sent));
      return raw.response();
    },
  };
}

/** Resolves once connecting to the port is refused: the server has stopped accepting. */
async function refused(port: number): Promise<void> {
  for (;;) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    if (outcome === 'ECONNREFUSED') return;
    await sleep(20);
  }
}

function portOf(server: ServerProcess): number {
  return Number(new URL(server.url).port);
}

/** An open upload of two segments with segment 0 in, and a finalized photo. */
async function prepare(server: ServerProcess, token: string): Promise<{ photo: string; upload: string }> {
  const photo = await uploadImage(server.url, token, png());
  assert.equal(photo.status, 200, JSON.stringify(photo.json));
  const init = await request(`${server.url}/2/media/upload/initialize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ media_type: 'image/png', total_bytes: SEGMENT.length * 2, media_category: 'tweet_image' }),
  });
  assert.equal(init.status, 200, init.text);
  const upload = init.json.data.id as string;
  const form = new FormData();
  form.append('segment_index', '0');
  form.append('media', new Blob([new Uint8Array(SEGMENT)]));
  const first = await request(`${server.url}/2/media/upload/${upload}/append`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  assert.equal(first.status, 200, first.text);
  return { photo: photo.json.data.id as string, upload };
}

describe('graceful shutdown of the server process', () => {
  const processes = serverProcesses('xmedia-shutdown-');

  async function start(env: NodeJS.ProcessEnv): Promise<{ server: ServerProcess; token: string; dataDir: string }> {
    const dataDir = processes.dataDir();
    const server = await processes.start(dataDir, { XMEDIA_DEV_BOOTSTRAP: 'on', ...env });
    const token = tokenFromHint(server.stdout());
    assert.ok(token, server.stdout());
    return { server, token, dataDir };
  }

  /** The SQLite file after the process has gone: WAL checkpointed into it, and intact. */
  function assertClosedCleanly(dataDir: string): void {
    const wal = path.join(dataDir, `${SQLITE_FILE}-wal`);
    assert.ok(!existsSync(wal) || statSync(wal).size === 0, 'the WAL was checkpointed and removed (or emptied)');
    const db = new Database(path.join(dataDir, SQLITE_FILE), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  }

  it('finishes the requests under way, refuses new ones, closes the database and exits 0', async () => {
    const { server, token, dataDir } = await start({ XMEDIA_SHUTDOWN_TIMEOUT_MS: '60000' });
    const port = portOf(server);
    const { photo, upload } = await prepare(server, token);

    // An idle keep-alive connection, a request whose headers are half in, and two whose bodies are half in.
    const idle = new RawRequest(port);
    await idle.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    assert.equal((await idle.response())?.status, 200);
    const late = new RawRequest(port);
    await late.write('POST /2/media/metadata/create HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const lateV1 = new RawRequest(port);
    await lateV1.write(`GET /1.1/media/upload.json?command=STATUS&media_id=${photo} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    const metadataBody = Buffer.from(JSON.stringify({ media_id: photo, alt_text: { text: 'written while stopping' } }));
    const metadata = await halfSent(port, 'POST', '/2/media/metadata/create', token, 'application/json', metadataBody, 10);
    const segmentBody = appendBody(1, SEGMENT);
    const append = await halfSent(port, 'POST', `/2/media/upload/${upload}/append`, token, `multipart/form-data; boundary=${BOUNDARY}`, segmentBody, 150);
    await sleep(300); // let the server read the headers it has been sent

    server.child.kill('SIGTERM');
    await refused(port);
    await idle.closed; // the server closed the idle keep-alive connection

    // A request completed on an open connection after the drain began: 503 in X's shape, and the connection closes.
    const auth = `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${metadataBody.length}\r\n\r\n`;
    await late.write(auth + metadataBody.toString());
    const refusedLate = await late.response();
    assert.ok(refusedLate, 'an answer');
    assert.equal(refusedLate.status, 503);
    assert.equal(refusedLate.headers.get('content-type'), 'application/problem+json');
    assert.equal(refusedLate.headers.get('connection'), 'close');
    assert.equal(refusedLate.body, '{"title":"Service Unavailable","type":"about:blank","status":503,"detail":"Service Unavailable"}');
    await lateV1.write(`Authorization: Bearer ${token}\r\n\r\n`);
    const refusedV1 = await lateV1.response();
    assert.equal(refusedV1?.status, 503);
    assert.equal(refusedV1.body, '{"errors":[{"code":130,"message":"Over capacity."}]}', 'v1.1 routes answer in v1.1’s shape');

    const written = await metadata.finish();
    assert.equal(written?.status, 200, written?.body);
    assert.equal(written.headers.get('connection'), 'close');
    assert.equal(JSON.parse(written.body).data.associated_metadata.alt_text.text, 'written while stopping');
    const appended = await append.finish();
    assert.equal(appended?.status, 200, appended?.body);

    assert.equal(await server.exited, 0);
    assertClosedCleanly(dataDir);
    const reopened = await startServer({}, dataDir);
    try {
      assert.deepEqual((await reopened.ctx.store.getMedia(photo))?.metadata, { altText: 'written while stopping' });
      assert.deepEqual((await reopened.ctx.store.listSegments(upload)).map((s) => s.index), [0, 1]);
    } finally {
      await reopened.closeKeepingData();
    }
  });

  it('cuts requests still under way after XMEDIA_SHUTDOWN_TIMEOUT_MS and exits 1, the database still closed cleanly', async () => {
    const { server, token, dataDir } = await start({ XMEDIA_SHUTDOWN_TIMEOUT_MS: '500' });
    const { upload } = await prepare(server, token);
    const stalled = await halfSent(portOf(server), 'POST', `/2/media/upload/${upload}/append`, token, `multipart/form-data; boundary=${BOUNDARY}`, appendBody(1, SEGMENT), 150);
    await sleep(300);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 1);
    await stalled.raw.closed;
    assert.equal(stalled.raw.receivedBytes, 0, 'the cut request got no answer');
    assertClosedCleanly(dataDir);
    const reopened = await startServer({}, dataDir);
    try {
      assert.deepEqual((await reopened.ctx.store.listSegments(upload)).map((s) => s.index), [0], 'the cut segment was not recorded');
    } finally {
      await reopened.closeKeepingData();
    }
  });

  it('cuts at once on a second SIGTERM or SIGINT (exit 1)', async () => {
    const { server, token, dataDir } = await start({ XMEDIA_SHUTDOWN_TIMEOUT_MS: '600000' });
    const body = Buffer.from(JSON.stringify({ media_id: '1', alt_text: { text: 'never finished' } }));
    const stalled = await halfSent(portOf(server), 'POST', '/2/media/metadata/create', token, 'application/json', body, 10);
    await sleep(300);
    server.child.kill('SIGTERM');
    await refused(portOf(server));
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 1);
    await stalled.raw.closed;
    assert.equal(stalled.raw.receivedBytes, 0);
    assertClosedCleanly(dataDir);
  });

  it('with PostgreSQL and Redis: finishes the requests under way, then closes the pool and Redis and exits 0', async (t) => {
    const unavailable = await postgresUnavailable();
    if (unavailable) return t.skip(unavailable);
    const schema: TestSchema = await createTestSchema();
    const env = {
      DATABASE_URL: schema.url,
      XMEDIA_SECRET_KEY: 'shutdown-test-secret-key-of-32-characters-or-more',
      REDIS_URL: process.env.XMEDIA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      XMEDIA_REDIS_PREFIX: `xmedia-shutdown-${schema.name}:`,
    };
    try {
      const { server, token } = await start({ ...env, XMEDIA_SHUTDOWN_TIMEOUT_MS: '60000' });
      const port = portOf(server);
      const { photo, upload } = await prepare(server, token);
      const metadataBody = Buffer.from(JSON.stringify({ media_id: photo, alt_text: { text: 'postgres while stopping' } }));
      const metadata = await halfSent(port, 'POST', '/2/media/metadata/create', token, 'application/json', metadataBody, 10);
      const append = await halfSent(port, 'POST', `/2/media/upload/${upload}/append`, token, `multipart/form-data; boundary=${BOUNDARY}`, appendBody(1, SEGMENT), 150);
      await sleep(300);
      server.child.kill('SIGTERM');
      await refused(port);
      assert.equal((await metadata.finish())?.status, 200);
      assert.equal((await append.finish())?.status, 200);
      assert.equal(await server.exited, 0, 'the pool and Redis closed without error');
      const reopened = await startServer(env, tempDir('xmedia-shutdown-pg-'));
      try {
        assert.deepEqual((await reopened.ctx.store.getMedia(photo))?.metadata, { altText: 'postgres while stopping' });
        assert.deepEqual((await reopened.ctx.store.listSegments(upload)).map((s) => s.index), [0, 1]);
      } finally {
        await reopened.close();
      }
    } finally {
      await schema.drop();
    }
  });
});
