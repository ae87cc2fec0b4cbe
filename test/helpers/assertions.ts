import assert from 'node:assert/strict';
import type { HttpResult } from './http.js';

/** SPEC.md §2's invalid-request answer, naming `parameter`, with a message matching `message`. */
export function assertInvalid(result: HttpResult, parameter: string | undefined, message?: RegExp): void {
  assert.equal(result.status, 400, result.text);
  assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(result.json.title, 'Invalid Request');
  assert.equal(result.json.type, 'https://api.twitter.com/2/problems/invalid-request');
  assert.equal(result.json.detail, 'One or more parameters to your request was invalid.');
  assert.equal(result.json.errors.length, 1);
  if (parameter !== undefined) assert.deepEqual(Object.keys(result.json.errors[0].parameters), [parameter], result.text);
  if (message !== undefined) assert.match(result.json.errors[0].message, message);
}
