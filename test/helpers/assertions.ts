import assert from 'node:assert/strict';
import type { HttpResult } from './http.js';

/** SPEC.md §2's bodies, byte for byte, and assertions that a response is exactly one of them. */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export const UNAUTHORIZED_BODY = '{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}';
export const UNSUPPORTED_AUTHENTICATION_BODY =
  '{"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].","type":"https://api.twitter.com/2/problems/unsupported-authentication","status":403}';
export const FORBIDDEN_BODY = '{"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden"}';
export const TOO_MANY_REQUESTS_BODY = '{"title":"Too Many Requests","type":"about:blank","status":429,"detail":"Too Many Requests"}';
export const PAYLOAD_TOO_LARGE_BODY =
  '{"title":"Payload Too Large","type":"about:blank","status":413,"detail":"The request body is larger than this endpoint accepts."}';
export const NOT_FOUND_BODY = '{"title":"Not Found Error","type":"about:blank","status":404,"detail":"Not Found"}';

export const NOT_JSON_MESSAGE = 'Requests with bodies must have content-type of application/json.';
export const INVALID_JSON_MESSAGE = 'Request body is not valid JSON.';

/** The exact text of a 400 invalid-request body with one error. */
export function invalidRequestText(parameters: Record<string, string[]>, message: string): string {
  return JSON.stringify({
    errors: [{ parameters, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  });
}

/** A problem+json answer with exactly these bytes. */
export function assertProblem(result: HttpResult, status: number, body: string): void {
  assert.equal(result.status, status, result.text);
  assert.equal(result.headers.get('content-type'), PROBLEM_CONTENT_TYPE);
  assert.equal(result.text, body);
}

/** A 400 invalid-request with exactly these parameters and message. */
export function assertInvalidRequest(result: HttpResult, parameters: Record<string, string[]>, message: string): void {
  assert.equal(result.status, 400, result.text);
  assert.equal(result.headers.get('content-type'), JSON_CONTENT_TYPE);
  assert.equal(result.text, invalidRequestText(parameters, message));
}

/**
 * A 400 invalid-request whose only error names `parameter` (and, when given, says `messageIncludes`), for
 * cases where the echoed value or the exact wording is not the point of the test.
 */
export function assertInvalidParameter(result: HttpResult, parameter: string | undefined, messageIncludes?: string): void {
  assert.equal(result.status, 400, result.text);
  assert.equal(result.headers.get('content-type'), JSON_CONTENT_TYPE);
  const body = result.json;
  assert.equal(body.title, 'Invalid Request');
  assert.equal(body.detail, 'One or more parameters to your request was invalid.');
  assert.equal(body.type, 'https://api.twitter.com/2/problems/invalid-request');
  assert.equal(body.status, undefined, 'invalid-request bodies carry no top-level status');
  assert.deepEqual(Object.keys(body), ['errors', 'title', 'detail', 'type']);
  assert.equal(body.errors.length, 1);
  assert.deepEqual(Object.keys(body.errors[0].parameters), parameter === undefined ? [] : [parameter]);
  if (messageIncludes !== undefined) assert.ok(body.errors[0].message.includes(messageIncludes), body.errors[0].message);
}

/** What the seed request (src/bootstrap.ts seedRequestBody) must answer for media `id`: X's shape, allow_download a JSON boolean. */
export function seedResponse(id: string): unknown {
  return {
    data: {
      associated_metadata: {
        allow_download_status: { allow_download: true },
        alt_text: { text: 'dancing cat' },
        found_media_origin: { id: '<string>', provider: 'giphy' },
        sticker_info: {
          stickers: [
            {
              aspect_ratio: 123,
              group_annotation_id: 123,
              id: '<string>',
              sticker_set_annotation_id: 123,
              transform_a: 123,
              transform_b: 123,
              transform_c: 123,
              transform_d: 123,
              transform_tx: 123,
              transform_ty: 123,
            },
          ],
        },
        upload_source: { text: '<string>' },
      },
      id,
    },
  };
}
