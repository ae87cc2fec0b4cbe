import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertInvalidParameter,
  assertInvalidRequest,
  assertProblem,
  INVALID_JSON_MESSAGE,
  invalidRequestText,
  NOT_JSON_MESSAGE,
  PAYLOAD_TOO_LARGE_BODY,
} from './helpers/assertions.js';
import { postJson, rawExchange, request, type HttpResult } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { multipart } from './helpers/multipart.js';
import { startServer, type TestServer } from './helpers/server.js';

const DEPTH = 20_000;
const deepArray = (depth = DEPTH): string => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth = DEPTH, inner = '{}'): string => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);

/**
 * Bad bodies on every JSON route (SPEC.md §2): each gets SPEC.md's exact 4xx body, never a 5xx, and nothing
 * a body says reaches an object prototype of the server (which runs in this very process).
 */
describe('hostile input', () => {
  let server: TestServer;
  let token: string;
  let mediaId: string;
  const routes = ['/2/media/metadata/create', '/2/media/metadata', '/2/media/upload'];

  before(async () => {
    server = await startServer();
    token = await server.token('alice');
    const upload = await uploadImage(server.url, token, png());
    assert.equal(upload.status, 200);
    mediaId = upload.json.data.id;
  });
  after(() => server.close());

  function send(route: string, body: BodyInit | undefined, contentType?: string): Promise<HttpResult> {
    return request(`${server.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(contentType !== undefined && { 'content-type': contentType }) },
      ...(body !== undefined && { body }),
    });
  }

  it('answers unparsable JSON with "Request body is not valid JSON."', async () => {
    for (const route of routes) {
      for (const body of ['{"media_id": ', "{'media_id':'1'}", '{} {}', '{"a":1,}', 'nul', '{"a":NaN}', '\u0000']) {
        assertInvalidRequest(await send(route, body, 'application/json'), {}, INVALID_JSON_MESSAGE);
      }
    }
  });

  it('answers an empty JSON body with "Request body is not valid JSON."', async () => {
    for (const route of routes) assertInvalidRequest(await send(route, '', 'application/json'), {}, INVALID_JSON_MESSAGE);
  });

  it('answers bodies that are not JSON, or have no content type, with X’s content-type message', async () => {
    const { body: form, contentType: formType } = multipart([{ name: 'media_id', value: mediaId }]);
    for (const route of routes.slice(0, 2)) {
      const json = JSON.stringify({ media_id: mediaId, id: mediaId });
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/jsonx', 'image/png']) {
        assertInvalidRequest(await send(route, json, contentType), {}, NOT_JSON_MESSAGE);
      }
      assertInvalidRequest(await send(route, new Uint8Array(Buffer.from(json))), {}, NOT_JSON_MESSAGE); // no content type
      assertInvalidRequest(await send(route, undefined), {}, NOT_JSON_MESSAGE); // no body at all
      assertInvalidRequest(await send(route, new Uint8Array(form), formType), {}, NOT_JSON_MESSAGE);
    }
    // The upload takes multipart too; anything else that is not JSON is refused the same way.
    for (const contentType of ['text/plain', 'application/octet-stream']) {
      assertInvalidRequest(await send('/2/media/upload', new Uint8Array(png()), contentType), {}, NOT_JSON_MESSAGE);
    }
    assertInvalidRequest(await send('/2/media/upload', undefined), {}, NOT_JSON_MESSAGE);
  });

  it('takes JSON content types in any case and with parameters', async () => {
    for (const contentType of ['APPLICATION/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']) {
      const result = await send('/2/media/metadata/create', JSON.stringify({ media_id: mediaId }), contentType);
      assert.equal(result.status, 200, `${contentType}: ${result.text}`);
    }
  });

  it('answers JSON that is not an object with a type error at $', async () => {
    const cases: [string, string][] = [
      ['null', 'null'],
      ['[]', 'array'],
      ['[{"media_id":"1"}]', 'array'],
      ['"media_id"', 'string'],
      ['42', 'integer'],
      ['4.5', 'number'],
      ['true', 'boolean'],
    ];
    for (const route of routes) {
      for (const [body, type] of cases) {
        assertInvalidRequest(await send(route, body, 'application/json'), {}, `$: ${type} found, object expected`);
      }
    }
  });

  it('answers invalid UTF-8 in a JSON body with "Request body is not valid JSON."', async () => {
    const invalid = [
      Buffer.from([0xff, 0xfe]), // never valid
      Buffer.from([0xc0, 0xaf]), // overlong "/"
      Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate
      Buffer.from([0xe2, 0x82]), // truncated sequence
    ];
    for (const route of routes) {
      for (const bytes of invalid) {
        const body = Buffer.concat([Buffer.from(`{"media_id":"${mediaId}","id":"${mediaId}","alt_text":{"text":"`), bytes, Buffer.from('"}}')]);
        assertInvalidRequest(await send(route, new Uint8Array(body), 'application/json'), {}, INVALID_JSON_MESSAGE);
      }
    }
  });

  it('answers a 10 MB body with 413, with or without a content length, before reading it', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
    for (const route of routes.slice(0, 2)) {
      assertProblem(await send(route, new Uint8Array(big), 'application/json'), 413, PAYLOAD_TOO_LARGE_BODY);
      const streamed = await request(`${server.url}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: new Blob([new Uint8Array(big)]).stream(),
        duplex: 'half',
      } as RequestInit);
      assertProblem(streamed, 413, PAYLOAD_TOO_LARGE_BODY);
    }
    // The upload allows 15 MB GIFs (20 MB as base64): 22 MB is over its limit.
    const huge = Buffer.alloc(22 * 1024 * 1024, 0x20);
    assertProblem(await send('/2/media/upload', new Uint8Array(huge), 'application/json'), 413, PAYLOAD_TOO_LARGE_BODY);
  });

  it('survives 20,000-deep arrays and objects, at the top and inside known and unknown keys', async () => {
    for (const route of routes) {
      assertInvalidRequest(await send(route, deepArray(), 'application/json'), {}, '$: array found, object expected');
      const deep = await send(route, deepObject(), 'application/json');
      assertInvalidParameter(deep, route === '/2/media/metadata' ? 'id' : route === '/2/media/upload' ? 'media' : 'media_id', 'is missing but it is required');
    }
    const flat = '/2/media/metadata/create';
    const ok = await send(flat, `{"media_id":"${mediaId}","unknown":${deepArray()},"other":${deepObject()}}`, 'application/json');
    assert.equal(ok.status, 200, ok.text);
    const inKnownKeys: [string, string][] = [
      [`{"media_id":"${mediaId}","alt_text":${deepArray()}}`, 'alt_text'],
      [`{"media_id":"${mediaId}","alt_text":{"text":${deepObject()}}}`, 'alt_text.text'],
      [`{"media_id":"${mediaId}","sticker_info":{"stickers":[${deepArray()}]}}`, 'sticker_info.stickers.0'],
      [`{"media_id":"${mediaId}","sticker_info":{"stickers":[{"id":${deepObject()}}]}}`, 'sticker_info.stickers.0.id'],
      [`{"media_id":${deepArray()}}`, 'media_id'],
    ];
    for (const [body, parameter] of inKnownKeys) {
      const result = await send(flat, body, 'application/json');
      assertInvalidParameter(result, parameter, 'found,');
      assert.ok(result.text.length < 4096, 'the echoed value is cut short');
    }
    const wrapped = await send('/2/media/metadata', `{"id":"${mediaId}","metadata":{"geo_restrictions":${deepObject()}}}`, 'application/json');
    assertInvalidParameter(wrapped, 'metadata.geo_restrictions');
    const upload = await send('/2/media/upload', `{"media":${deepArray()},"media_category":"tweet_image"}`, 'application/json');
    assertInvalidParameter(upload, 'media', 'array found, string expected');
  });

  it('drops __proto__ and constructor.prototype keys: nothing reaches Object.prototype', async () => {
    const flat = '/2/media/metadata/create';
    const bodies = [
      `{"__proto__":{"polluted":1},"media_id":"${mediaId}","alt_text":{"text":"proto"}}`,
      `{"constructor":{"prototype":{"polluted":1}},"media_id":"${mediaId}","alt_text":{"text":"proto"}}`,
      `{"\\u005f_proto__":{"polluted":1},"media_id":"${mediaId}","alt_text":{"text":"proto"}}`,
      `{"media_id":"${mediaId}","alt_text":{"text":"proto","__proto__":{"polluted":1}},"sticker_info":{"stickers":[{"id":"s","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}]}}`,
      `{"media_id":"${mediaId}","unknown":${deepObject(DEPTH, '{"__proto__":{"polluted":1}}')}}`,
    ];
    for (const body of bodies) {
      const result = await send(flat, body, 'application/json');
      assert.equal(result.status, 200, result.text);
      assert.ok(!result.text.includes('polluted'), result.text);
    }
    const wrapped = await send('/2/media/metadata', `{"id":"${mediaId}","metadata":{"__proto__":{"shared_info":{"shared":true}},"constructor":{"prototype":{"polluted":1}}}}`, 'application/json');
    assert.equal(wrapped.status, 200, wrapped.text);
    assert.equal(wrapped.json.data.associated_metadata.shared_info, undefined, 'keys under __proto__ are not read');

    // A required key hidden under __proto__ is missing, not inherited.
    assertInvalidRequest(
      await send(flat, `{"media_id":"${mediaId}","alt_text":{"__proto__":{"text":"hidden"}}}`, 'application/json'),
      { 'alt_text.text': [] },
      '$.alt_text.text: is missing but it is required',
    );
    assertInvalidRequest(
      await send(flat, `{"__proto__":{"media_id":"${mediaId}"}}`, 'application/json'),
      { media_id: [] },
      '$.media_id: is missing but it is required',
    );

    // Multipart field names that are Object.prototype's own names are refused outright (by @fastify/multipart).
    for (const name of ['__proto__', 'constructor']) {
      const { body, contentType } = multipart([
        { name, value: '{"polluted":1}' },
        { name: 'media_category', value: 'tweet_image' },
        { name: 'media', value: png() },
      ]);
      assertInvalidRequest(await send('/2/media/upload', new Uint8Array(body), contentType), {}, 'prototype property is not allowed as field name');
    }

    const probe = {} as Record<string, unknown>;
    assert.equal(probe.polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    assert.equal(typeof probe.constructor, 'function');
  });

  it('answers headers over Node’s size limit with a 431 problem, and bytes that are not HTTP with a 400', async () => {
    const oversized = await request(`${server.url}/2/media/metadata/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${'a'.repeat(100_000)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assertProblem(
      oversized,
      431,
      '{"title":"Request Header Fields Too Large","type":"about:blank","status":431,"detail":"The request headers are larger than this server accepts."}',
    );
    const { port } = new URL(server.url);
    for (const garbage of ['HELLO\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'POST /2/media/upload HTTP/1.1\r\nContent-Length: x\r\n\r\n']) {
      const answer = await rawExchange(Number(port), garbage);
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.match(answer, /\r\nContent-Type: application\/json; charset=utf-8\r\n/);
      assert.ok(answer.endsWith(`\r\n\r\n${invalidRequestText({}, 'The request is not valid HTTP.')}`), answer);
    }
  });

  it('is still healthy after all of it', async () => {
    const result = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: mediaId });
    assert.equal(result.status, 200, result.text);
    assert.deepEqual(result.json.data.associated_metadata, {
      alt_text: { text: 'proto' },
      sticker_info: { stickers: [{ id: 's' }] },
    });
  });
});
