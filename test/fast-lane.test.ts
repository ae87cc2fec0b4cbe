import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FlatMetadataRequestSchema } from '../src/wire/metadata-flat.js';
import { WrappedMetadataRequestSchema } from '../src/wire/metadata-wrapped.js';
import { authorizationHeader, contentType, FUZZ_SEED, isHeaderValue, jsonText, junkBody, queryString } from './helpers/fuzz.js';
import { rawExchange } from './helpers/http.js';
import { insertMedia } from './helpers/media.js';
import { mutated, valid, type Schema } from './helpers/schema-arbitrary.js';
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
  ['metadata, Content-Type twice', post('/2/media/metadata/create', seedBody('ID'), { extra: 'content-type: text/plain\r\n' }), 'lane'],
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
  ['lookup, Authorization twice', get('/2/media/3_ID', 'Bearer TOKEN', 'authorization: Bearer nope\r\n'), 'lane'],
  ['lookup, header names in capitals', get('/2/media/3_ID', '', 'AUTHORIZATION: Bearer TOKEN\r\nCONTENT-LENGTH: 0\r\n'), 'lane'],
  ['lookup, app-only token', get('/2/media/3_ID', 'Bearer APP'), 'lane'],
  ['lookup, OAuth 1.0a', get('/2/media/3_ID', 'OAuth oauth_consumer_key="x"'), 'fastify'],
  ['lookup by keys', get('/2/media?media_keys=3_ID,3_BOBS,3_1&media.fields=alt_text'), 'lane'],
  ['lookup by keys, none', get('/2/media'), 'lane'],
  ['metadata, over the rate limit', post('/2/media/metadata/create', seedBody('ID')), 'lane'],
];

function exchange(subjectOf: Subject, request: string): Promise<string> {
  let bytes = request;
  for (const [name, value] of Object.entries(subjectOf.values)) bytes = bytes.replaceAll(name, value);
  return exchangeBytes(subjectOf, bytes);
}

/** Sends raw bytes on a connection of their own; the answer with what differs between the servers masked. */
function exchangeBytes(subjectOf: Subject, bytes: string | Buffer): Promise<string> {
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
      const takenBefore: number = counter.taken;
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

/**
 * The same comparison on generated requests to the lane's routes: bodies valid for the flat and wrapped
 * shapes or one mutation away, junk bodies, every content type, query strings, media keys, Authorization
 * headers. Ids and tokens are placeholders each server fills in with its own. Limits too high to trigger:
 * the two servers count, write and read the same things in the same order, so every answer must match.
 */
describe('fast lane, fuzzed', () => {
  const LIMITS = { XMEDIA_RATE_LIMIT_METADATA: '1000000/1000000', XMEDIA_RATE_LIMIT_MEDIA_LOOKUP: '1000000/1000000' };
  let lane: Subject;
  let plain: Subject;
  before(async () => {
    [lane, plain] = await Promise.all([subject(LIMITS), subject({ ...LIMITS, XMEDIA_FAST_LANE: 'off' })]);
  });
  after(async () => {
    await Promise.all([lane.server.close(), plain.server.close()]);
  });

  const mediaId = fc.constantFrom('ID', 'BOBS', '0', '9999999999999999999', 'x');
  const body = fc.oneof(
    { weight: 3, arbitrary: valid(FlatMetadataRequestSchema as unknown as Schema, { overrides: { media_id: mediaId } }) },
    { weight: 3, arbitrary: mutated(FlatMetadataRequestSchema as unknown as Schema, { overrides: { media_id: mediaId } }).map((m) => m.value) },
    { weight: 2, arbitrary: valid(WrappedMetadataRequestSchema as unknown as Schema, { overrides: { id: mediaId } }) },
    { weight: 2, arbitrary: mutated(WrappedMetadataRequestSchema as unknown as Schema, { overrides: { id: mediaId } }).map((m) => m.value) },
  ).chain((value) => jsonText(value));
  const write = fc.record({
    path: fc.constantFrom('/2/media/metadata/create', '/2/media/metadata', '/2/media/metadata/create?x=1', '/2/media/metadata#f'),
    type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') }, { weight: 1, arbitrary: contentType }),
    body: fc.oneof({ weight: 5, arbitrary: body }, { weight: 1, arbitrary: junkBody }),
  });
  const key = fc.oneof(
    fc.constantFrom('3_ID', '3_BOBS', '7_ID', '3_1', '3_', '_', '3__ID', 'upload'),
    fc.stringMatching(/^[0-9_]{1,25}$/),
    fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
  );
  const read = fc.oneof(
    fc.tuple(key, queryString(['media.fields'], fc.constantFrom('alt_text', 'alt_text,height', 'type,nope', 'url'))).map(([k, q]) => `/2/media/${k}${q ? `?${q}` : ''}`),
    queryString(['media_keys', 'media.fields'], fc.constantFrom('3_ID', '3_ID,3_BOBS', 'alt_text', '7_ID,3_1')).map((q) => `/2/media${q ? `?${q}` : ''}`),
  );
  const auth = fc.oneof({ weight: 6, arbitrary: fc.constant('Bearer TOKEN') }, { weight: 1, arbitrary: fc.constantFrom('Bearer READONLY', 'Bearer APP') }, { weight: 1, arbitrary: authorizationHeader(['TOKEN']) });
  const request = fc.oneof(
    fc.tuple(write, auth).map(([w, a]) => ({ method: 'POST', path: w.path, type: w.type, auth: a, body: w.body })),
    fc.tuple(read, auth).map(([path, a]) => ({ method: 'GET', path, type: undefined, auth: a, body: undefined })),
  );

  function bytes(subjectOf: Subject, r: { method: string; path: string; type?: string; auth?: string; body?: string | Buffer }): Buffer {
    const fill = (text: string): string => Object.entries(subjectOf.values).reduce((t, [name, value]) => t.replaceAll(name, value), text);
    const payload = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(fill(r.body));
    const lines = [`${r.method} ${fill(r.path)} HTTP/1.1`, 'Host: x'];
    if (r.auth !== undefined) lines.push(`Authorization: ${fill(r.auth)}`);
    if (r.type !== undefined && isHeaderValue(r.type)) lines.push(`Content-Type: ${r.type}`);
    if (payload !== undefined) lines.push(`Content-Length: ${payload.length}`);
    lines.push('Connection: close', '', '');
    return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), payload ?? Buffer.alloc(0)]);
  }

  it('answers generated requests to the hot routes byte for byte as Fastify does', async () => {
    const counter = lane.server.app.fastLane;
    assert.ok(counter);
    const takenBefore = counter.taken;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [fast, framework] = await Promise.all([exchangeBytes(lane, bytes(lane, r)), exchangeBytes(plain, bytes(plain, r))]);
        assert.match(framework, /^HTTP\/1\.1 \d{3} /);
        assert.equal(fast, framework);
      }),
      { numRuns: 400, seed: FUZZ_SEED },
    );
    // Most of them went through the lane (the rest: unusual auth, content types, paths).
    assert.ok(counter.taken - takenBefore > 200, `the lane took ${counter.taken - takenBefore} of 400`);
  });
});
