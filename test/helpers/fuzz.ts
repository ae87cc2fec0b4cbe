import assert from 'node:assert/strict';
import http from 'node:http';
import fc from 'fast-check';
import { PAGE_HEADERS } from '../../src/wire/consent-page.js';
import {
  FORBIDDEN_BODY,
  JSON_CONTENT_TYPE,
  NOT_FOUND_BODY,
  PAYLOAD_TOO_LARGE_BODY,
  PROBLEM_CONTENT_TYPE,
  TOO_MANY_REQUESTS_BODY,
  UNAUTHORIZED_BODY,
  UNSUPPORTED_AUTHENTICATION_BODY,
} from './assertions.js';
import { nodeRequest, type HttpResult } from './http.js';
import { nastyString } from './schema-arbitrary.js';

/**
 * The fuzzing harness (docs/RELIABILITY.md "Fuzzing"): how a generated request is sent, and what every answer
 * must look like whatever was sent. `npm test` runs the properties with a fixed seed; `npm run fuzz`
 * (scripts/fuzz.mjs) runs them longer with FUZZ_RUNS total cases and a FUZZ_SEED it prints.
 */

/** The seed of `npm test`: fixed, so a failure there is the same failure on every machine. */
export const DEFAULT_FUZZ_SEED = 20_261_127;

export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? DEFAULT_FUZZ_SEED : Number(process.env.FUZZ_SEED);

/** The error shapes of SPEC.md §2 and of the routes outside X's v2 shape. */
export type Family =
  /** X's v2 routes: problem+json, or the 400 invalid-request body. */
  | 'v2'
  /** v1.1 routes: `{"errors":[{"code","message"}]}`. */
  | 'v1'
  /** /2/oauth2/token and revoke: RFC 6749 §5.2 `{"error","error_description"}`, or a problem. */
  | 'oauth2'
  /** /oauth2/token and /oauth2/invalidate_token: `{"errors":[{"code","message","label"?}]}` with 403, or a problem. */
  | 'legacy'
  /** The consent page: HTML pages and 303 redirects, or a problem / invalid-request body. */
  | 'page';

export interface FuzzRequest {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  /** Path and query, already encoded as it goes on the wire. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
}

/** One keep-alive connection pool for all cases: node:http costs a fraction of fetch's CPU per request. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Sends a request as given (no content type is added) and reads the whole answer. */
export function send(baseUrl: string, request: FuzzRequest): Promise<HttpResult> {
  const body = request.body === undefined || request.method === 'GET' ? undefined : Buffer.from(request.body);
  const headers: Record<string, string | number> = { ...request.headers };
  if (body !== undefined) headers['content-length'] = body.length;
  return nodeRequest(baseUrl + request.path, { method: request.method, headers, body, agent });
}

/** Closes the pooled connections (at the end of a run). */
export function closeConnections(): void {
  agent.destroy();
}

const EXACT_PROBLEMS: Readonly<Record<number, readonly string[]>> = {
  401: [UNAUTHORIZED_BODY],
  403: [FORBIDDEN_BODY, UNSUPPORTED_AUTHENTICATION_BODY],
  404: [NOT_FOUND_BODY],
  413: [PAYLOAD_TOO_LARGE_BODY],
  429: [TOO_MANY_REQUESTS_BODY],
};

function describe(request: FuzzRequest | undefined, result: HttpResult): string {
  const sent = request ? `${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers ?? {}).slice(0, 300)}` : '';
  return `${sent}\n→ ${result.status} ${result.headers.get('content-type')} ${result.text.slice(0, 500)}`;
}

/**
 * The invariants every answer keeps: never a 5xx; an error has exactly one of the shapes its route family
 * documents (SPEC.md §2 for X's v2 routes), with the exact content type; a success is JSON (or, on the
 * consent page, HTML or a redirect).
 */
export function assertAnswerShape(family: Family, result: HttpResult, request?: FuzzRequest): void {
  const context = describe(request, result);
  assert.ok(result.status < 500, `5xx: ${context}`);
  const type = result.headers.get('content-type');
  if (result.status >= 400) {
    if (type === PROBLEM_CONTENT_TYPE && family !== 'v1') return assertProblemShape(result, context);
    if (family === 'page' && type === PAGE_HEADERS['content-type']) return assertPage(result, context);
    assert.equal(type, JSON_CONTENT_TYPE, `content type: ${context}`);
    switch (family) {
      case 'v2':
      case 'page':
        return assertInvalidRequestShape(result, context);
      case 'v1':
        return assertV1Errors(result, context, false);
      case 'legacy':
        assert.equal(result.status, 403, context);
        return assertV1Errors(result, context, true);
      case 'oauth2':
        assert.ok(result.status === 400 || result.status === 401, context);
        assert.deepEqual(Object.keys(result.json ?? {}), ['error', 'error_description'], context);
        assert.equal(typeof result.json.error, 'string', context);
        assert.equal(typeof result.json.error_description, 'string', context);
        return;
    }
  }
  if (result.status >= 300) {
    assert.equal(family, 'page', `redirect: ${context}`);
    assert.equal(result.status, 303, context);
    assert.ok(result.headers.get('location'), context);
    return;
  }
  if (family === 'page' && type === PAGE_HEADERS['content-type']) return assertPage(result, context);
  if (result.text !== '') {
    assert.equal(type, JSON_CONTENT_TYPE, `content type: ${context}`);
    assert.ok(result.json !== undefined, `a 2xx that is not JSON: ${context}`);
  }
}

function assertProblemShape(result: HttpResult, context: string): void {
  const exact = EXACT_PROBLEMS[result.status];
  if (exact) {
    assert.ok(exact.includes(result.text), `not SPEC.md's ${result.status} body: ${context}`);
    return;
  }
  const body = result.json as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['detail', 'status', 'title', 'type'], context);
  assert.equal(body.status, result.status, context);
  for (const key of ['detail', 'title', 'type']) assert.equal(typeof body[key], 'string', context);
}

function assertInvalidRequestShape(result: HttpResult, context: string): void {
  assert.equal(result.status, 400, context);
  const body = result.json;
  assert.deepEqual(Object.keys(body ?? {}), ['errors', 'title', 'detail', 'type'], context);
  assert.equal(body.title, 'Invalid Request', context);
  assert.equal(body.detail, 'One or more parameters to your request was invalid.', context);
  assert.equal(body.type, 'https://api.twitter.com/2/problems/invalid-request', context);
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, context);
  for (const error of body.errors) {
    assert.deepEqual(Object.keys(error), ['parameters', 'message'], context);
    assert.equal(typeof error.message, 'string', context);
    assert.ok(error.parameters !== null && typeof error.parameters === 'object' && !Array.isArray(error.parameters), context);
    for (const values of Object.values(error.parameters)) {
      assert.ok(Array.isArray(values) && values.every((v) => typeof v === 'string'), context);
    }
  }
}

function assertV1Errors(result: HttpResult, context: string, label: boolean): void {
  const body = result.json;
  assert.deepEqual(Object.keys(body ?? {}), ['errors'], context);
  assert.ok(Array.isArray(body.errors) && body.errors.length === 1, context);
  const [error] = body.errors;
  assert.deepEqual(Object.keys(error).filter((k) => !(label && k === 'label')), ['code', 'message'], context);
  assert.ok(Number.isInteger(error.code), context);
  assert.equal(typeof error.message, 'string', context);
}

function assertPage(result: HttpResult, context: string): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) assert.equal(result.headers.get(name), value, `${name}: ${context}`);
  assert.ok([200, 400, 401, 403, 429].includes(result.status), context);
  assert.ok(result.text.startsWith('<!doctype html>') || result.text.startsWith('<!DOCTYPE html>'), context);
}

// ---- request parts ------------------------------------------------------------------------------------

/** Content types a client may send, right and wrong. */
export const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'application/problem+json',
    'application/vnd.api+json',
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    'multipart/form-data; boundary=',
    'multipart/form-data; boundary=xx',
    'multipart/mixed; boundary=xx',
    'application/octet-stream',
    'application/xml',
    'image/png',
    '*/*',
    'json',
    ';',
    '',
  ),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).filter(isHeaderValue),
);

/** Header values fetch will send (no CR, LF or NUL, no code point above 255, no surrounding spaces). */
export function isHeaderValue(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value) && value.trim() === value;
}

/** Authorization header values: empty, wrong schemes, malformed Bearer / Basic / OAuth, long, odd bytes. */
export function authorizationHeader(valid: readonly string[]): fc.Arbitrary<string | undefined> {
  const token = fc.string({ unit: 'grapheme-ascii', maxLength: 60 });
  const oauthParameter = fc.tuple(fc.constantFrom('oauth_consumer_key', 'oauth_token', 'oauth_signature_method', 'oauth_timestamp', 'oauth_nonce', 'oauth_version', 'oauth_signature', 'realm', 'x'), token, fc.boolean());
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer x', 'Basic', 'Basic ', 'Basic Og==', 'Basic %%%', 'OAuth', 'OAuth ', 'Digest x', 'Bearer  ', 'Negotiate x'),
    fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer\t', 'Basic ', 'Token ', ''), token).map(([s, t]) => s + t),
    fc.tuple(fc.constantFrom(...valid), fc.constantFrom('x', ' ', '=', '\t', 'é', '00')).map(([v, s]) => `Bearer ${v}${s}`),
    fc.constantFrom(...valid).map((v) => `Bearer ${v.slice(0, -1)}`),
    fc.array(oauthParameter, { maxLength: 9 }).map((ps) => 'OAuth ' + ps.map(([k, v, q]) => (q ? `${k}="${v}"` : `${k}=${v}`)).join(', ')),
    fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`),
    fc.string({ unit: 'binary-ascii', maxLength: 30 }).map((s) => `Basic ${Buffer.from(s, 'latin1').toString('base64')}`),
    fc.integer({ min: 1000, max: 12_000 }).map((n) => `Bearer ${'a'.repeat(n)}`),
    fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 20 }).map((s) => `Bearer ${s}`),
  ).filter((v) => v === undefined || isHeaderValue(v));
}

/** A query-string component as it may appear on the wire: encoded, raw, or broken percent escapes. */
export const queryText = fc.oneof(
  nastyString({ maxLength: 10 }).map((s) => encodeURIComponent(s)),
  fc.string({ unit: 'grapheme-ascii', maxLength: 10 }).map((s) => s.replace(/[#\s]/g, '')),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%FF%FE', '%C0%AF', '+', '%2C', ',', ',,', '&', '=', '[]', '[0]', 'a[b]=c', '..', '%25'),
);

/** Random query strings, with the endpoint's own names often among the keys (and sometimes repeated). */
export function queryString(names: readonly string[], values: fc.Arbitrary<string> = queryText): fc.Arbitrary<string> {
  const name = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: queryText });
  return fc
    .array(fc.tuple(name, fc.oneof(values, queryText), fc.integer({ min: 0, max: 9 })), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v, shape]) => (shape === 0 ? k : shape === 1 ? `${k}=` : `${k}=${v}`)).join('&'));
}

/** Bytes that are not what any route wants: random, invalid UTF-8, almost-JSON, deep nesting, huge numbers. */
export const junkBody = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '',
    ' ',
    '{',
    '}',
    '{"a":',
    '[',
    'null',
    'true',
    '0',
    '""',
    '\ufeff{}',
    '{}garbage',
    '{"media_id":"1","media_id":2}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"\\u005f_proto__":{"polluted":true}}',
    '{"a":1e999}',
    '{"a":-1e999}',
    '{"a":1e-999}',
    '{"a":123456789012345678901234567890}',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    'grant_type=client_credentials',
    'a=1&a=2',
    '--xx\r\nContent-Disposition: form-data; name="media"\r\n\r\nabc\r\n--xx--\r\n',
    '--xx\r\nContent-Disposition: form-data; name="command"\r\n\r\nAPPEND\r\n--xx\r\n',
  ),
  fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 5000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), Buffer.from([0xed, 0xa0, 0x80])),
);

/**
 * JSON text for a value, sometimes spelled in ways JSON.stringify never writes: a number token replaced by one
 * too large for a double, the `__proto__` key escaped, a BOM or whitespace around it, a key repeated.
 */
export function jsonText(value: unknown): fc.Arbitrary<string> {
  const text = JSON.stringify(value) ?? 'null';
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(text) },
    { weight: 1, arbitrary: fc.constantFrom('1e999', '-1e999', '1e-999', '123456789012345678901234567890', '-0', '0.0000000000000000000001').map((n) => text.replace(/(?<=[:[,])-?\d+(\.\d+)?([eE][+-]?\d+)?(?=[,\]}])/, n)) },
    { weight: 1, arbitrary: fc.constant(text.replace(/^\{/, '{"\\u005f_proto__":{"polluted":true},')) },
    { weight: 1, arbitrary: fc.constantFrom(' ', '\n', '\t', '\r\n').map((s) => s + text + s) },
    { weight: 1, arbitrary: fc.constant(text.replace(/^\{("[^"]+":)/, '{$1null,$1')) },
  );
}
