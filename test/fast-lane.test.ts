import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawExchange } from './helpers/http.js';
import { insertMedia } from './helpers/media.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * The fast lane (src/http/fast-lane.ts) answers the hot routes without Fastify. Its promise: the same bytes,
 * headers in the same order, as the Fastify routes. Two servers, one with the lane and one without
 * (XMEDIA_FAST_LANE=off), get the same requests in the same order, on their own connections; their raw
 * answers must be identical once the Date, rate-limit reset times and the ids each server made are masked.
 */
// Windows that no run can straddle (the next boundary is in 2033): both servers count the same requests.
const ENV = { XMEDIA_RATE_LIMIT_METADATA: '15/1000', XMEDIA_RATE_LIMIT_WINDOW_SECS: '1000000000', XMEDIA_RATE_LIMIT_DAY_SECS: '1000000000' };

interface Subject {
  readonly server: TestServer;
  /** Strings to mask in this server's answers: its ids and tokens differ from the other server's. */
  readonly values: Record<string, string>;
}

async function subject(env: Record<string, string>): Promise<Subject> {
  const server = await startServer({ ...ENV, ...env });
  const photo = await insertMedia(server, 'alice');
  const bobs = await insertMedia(server, 'bob');
  return {
    server,
    values: {
      ID: photo.id,
      BOBS: bobs.id,
      TOKEN: await server.token('alice'),
      READONLY: await server.token('alice', ['tweet.read']),
      APP: await server.appToken(),
    },
  };
}

const seedBody = (id: string, alt = 'dancing "cat" \u2028 😀'): string =>
  JSON.stringify({
    allow_download_status: { allow_download: 'true' },
    alt_text: { text: alt },
    found_media_origin: { id: '<string>', provider: 'giphy' },
    media_id: id,
    sticker_info: { stickers: [{ aspect_ratio: 1.5, group_annotation_id: 123, id: '<s>', sticker_set_annotation_id: 123, transform_a: -0, transform_b: 1e21, transform_c: 123, transform_d: 123, transform_tx: 123, transform_ty: 123 }] },
    upload_source: { text: '<string>' },
  });

function post(path: string, body: string, { auth = 'Bearer TOKEN', type = 'application/json', extra = '' } = {}): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`;
}

function get(path: string, auth = 'Bearer TOKEN', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: x\r\n${auth ? `Authorization: ${auth}\r\n` : ''}${extra}Connection: close\r\n\r\n`;
}

/** Every way the hot routes answer, and who answers: the lane, or Fastify. Order matters (rate limits). */
const CASES: readonly (readonly [string, string, 'lane' | 'fastify'])[] = [
  ['metadata, the seed', post('/2/media/metadata/create', seedBody('ID')), 'lane'],
  ['metadata, charset', post('/2/media/metadata/create', seedBody('ID', 'b'), { type: 'application/json; charset=UTF-8' }), 'lane'],
  ['metadata, wrapped', post('/2/media/metadata', JSON.stringify({ id: 'ID', metadata: { alt_text: { text: 'w' } } })), 'lane'],
  ['metadata, invalid JSON', post('/2/media/metadata/create', '{"media_id":'), 'lane'],
  ['metadata, empty body', post('/2/media/metadata/create', ''), 'lane'],
  ['metadata, wrong type', post('/2/media/metadata/create', '{"media_id":123}'), 'lane'],
  ['metadata, unknown media', post('/2/media/metadata/create', seedBody('999999999')), 'lane'],
  ["metadata, another user's media", post('/2/media/metadata/create', seedBody('BOBS')), 'lane'],
  ['metadata, alt text too long', post('/2/media/metadata/create', JSON.stringify({ media_id: 'ID', alt_text: { text: 'x'.repeat(1001) } })), 'lane'],
  ['metadata, __proto__', post('/2/media/metadata/create', `{"__proto__":{"x":1},"media_id":"ID","alt_text":{"text":"p"}}`), 'lane'],
  ['metadata, query string', post('/2/media/metadata/create?x=1', seedBody('ID')), 'lane'],
  ['metadata, unknown token', post('/2/media/metadata/create', seedBody('ID'), { auth: 'Bearer nope' }), 'fastify'],
  ['metadata, missing scope', post('/2/media/metadata/create', seedBody('ID'), { auth: 'Bearer READONLY' }), 'lane'],
  ['metadata, app-only token', post('/2/media/metadata/create', seedBody('ID'), { auth: 'Bearer APP' }), 'lane'],
  ['metadata, over the body limit', post('/2/media/metadata/create', JSON.stringify({ media_id: 'ID', upload_source: { text: 'x'.repeat(300_000) } })), 'fastify'],
  ['metadata, text/plain', post('/2/media/metadata/create', seedBody('ID'), { type: 'text/plain' }), 'fastify'],
  ['metadata, percent-encoded path', post('/2/media/metadata/%63reate', seedBody('ID')), 'fastify'],
  ['metadata, chunked', `POST /2/media/metadata/create HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer TOKEN\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"a":\r\n1\r\n1\r\n0\r\n\r\n`, 'fastify'],
  ['lookup', get('/2/media/3_ID?media.fields=alt_text'), 'lane'],
  ['lookup, no fields', get('/2/media/3_ID'), 'lane'],
  ['lookup, all fields', get('/2/media/3_ID?media.fields=alt_text,height,width,type,media_key,preview_image_url,url,duration_ms'), 'lane'],
  ['lookup, unknown field', get('/2/media/3_ID?media.fields=nope'), 'lane'],
  ['lookup, unknown parameter', get('/2/media/3_ID?x=1'), 'lane'],
  ['lookup, duplicate parameter', get('/2/media/3_ID?media.fields=alt_text&media.fields=height'), 'lane'],
  ['lookup, encoded query', get('/2/media/3_ID?media.fields=alt%5Ftext'), 'lane'],
  ['lookup, fragment', get('/2/media/3_ID?media.fields=alt_text#x'), 'lane'],
  ['lookup, missing media', get('/2/media/3_99999'), 'lane'],
  ["lookup, another user's media", get('/2/media/3_BOBS'), 'lane'],
  ['lookup, wrong prefix', get('/2/media/7_ID'), 'lane'],
  ['lookup, malformed key', get('/2/media/3__'), 'lane'],
  ['lookup, not a key', get('/2/media/abc'), 'fastify'],
  ['lookup, trailing slash', get('/2/media/3_ID/'), 'fastify'],
  ['lookup, HEAD', get('/2/media/3_ID').replace('GET', 'HEAD'), 'fastify'],
  ['lookup, with a body', get('/2/media/3_ID', 'Bearer TOKEN', 'Content-Length: 5\r\n') + 'hello', 'fastify'],
  ['lookup, no token', get('/2/media/3_ID', ''), 'fastify'],
  ['lookup, app-only token', get('/2/media/3_ID', 'Bearer APP'), 'lane'],
  ['lookup, OAuth 1.0a', get('/2/media/3_ID', 'OAuth oauth_consumer_key="x"'), 'fastify'],
  ['lookup by keys', get('/2/media?media_keys=3_ID,3_BOBS,3_1&media.fields=alt_text'), 'lane'],
  ['lookup by keys, none', get('/2/media'), 'lane'],
  ['metadata, over the rate limit', post('/2/media/metadata/create', seedBody('ID')), 'lane'],
];

function exchange(subjectOf: Subject, request: string): Promise<string> {
  let bytes = request;
  for (const [name, value] of Object.entries(subjectOf.values)) bytes = bytes.replaceAll(name, value);
  return rawExchange(subjectOf.server.port, bytes).then((answer) => {
    let masked = answer.replace(/\r\nDate: [^\r]*/, '\r\nDate: (masked)').replace(/(-reset: )\d+/g, '$1(masked)');
    for (const [name, value] of Object.entries(subjectOf.values)) masked = masked.replaceAll(value, name);
    return masked;
  });
}

describe('fast lane', () => {
  let lane: Subject;
  let plain: Subject;
  before(async () => {
    [lane, plain] = await Promise.all([subject({}), subject({ XMEDIA_FAST_LANE: 'off' })]);
  });
  after(async () => {
    await Promise.all([lane.server.close(), plain.server.close()]);
  });

  it('answers the hot routes byte for byte as Fastify does', async () => {
    const counter = lane.server.app.fastLane;
    assert.ok(counter);
    for (const [name, request, answeredBy] of CASES) {
      const takenBefore = counter.taken;
      const [fast, framework] = await Promise.all([exchange(lane, request), exchange(plain, request)]);
      assert.match(framework, /^HTTP\/1\.1 \d{3} /, name);
      assert.equal(fast, framework, name);
      assert.equal(counter.taken - takenBefore, answeredBy === 'lane' ? 1 : 0, `${name}: answered by the ${answeredBy === 'lane' ? 'lane' : 'framework'}`);
    }
    assert.equal(plain.server.app.fastLane, undefined);
  });

  it('leaves requests to Fastify once the server is shutting down', async () => {
    // A server of its own: closing it is the test.
    const server = await startServer(ENV);
    const token = await server.token('alice');
    const photo = await insertMedia(server, 'alice');
    const closing = server.app.close();
    const answer = await rawExchange(server.port, get(`/2/media/3_${photo.id}`, `Bearer ${token}`)).catch(() => 'refused');
    await closing;
    assert.equal(server.app.fastLane?.taken, 0);
    assert.ok(answer === 'refused' || answer === '' || answer.startsWith('HTTP/1.1 503'), answer);
  });
});
